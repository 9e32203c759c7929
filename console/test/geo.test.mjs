// Unit tests of the console's coordinate shifts, snapping and splitting (node --test; run by the browser test suite too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wgs84ToGcj02, gcj02ToWgs84 } from '../src/geo/offsets.js';
import { snap, inRing } from '../src/geo/snap.js';
import { splitRing, ringArea2 } from '../src/geo/split.js';
import { setMapCrs, toMap, fromMap } from '../src/geo/display.js';

// A known point: Wenzhou's Songtai street, WGS84 → GCJ-02 as the server's ChineseOffsets computes it
// (tests/GridServer.Tests/Geo/ConsoleOffsetsTests.cs holds the same figures).
const KNOWN_WGS84 = [120.65, 28.0];
const KNOWN_GCJ02 = [120.65396373019978, 27.99662660024639];

test('gcj02 of a known Wenzhou point matches the server to 1e-12 degrees', () => {
  const [lon, lat] = wgs84ToGcj02(...KNOWN_WGS84);
  assert.ok(Math.abs(lon - KNOWN_GCJ02[0]) < 1e-12, `lon ${lon}`);
  assert.ok(Math.abs(lat - KNOWN_GCJ02[1]) < 1e-12, `lat ${lat}`);
});

test('gcj02 round trip stays within 1e-8 degrees (about a millimetre)', () => {
  for (let i = 0; i < 1000; i++) {
    const p = [100 + (i * 0.037) % 20, 22 + (i * 0.029) % 18];
    const back = gcj02ToWgs84(...wgs84ToGcj02(...p));
    assert.ok(Math.abs(back[0] - p[0]) < 1e-8 && Math.abs(back[1] - p[1]) < 1e-8, `${p} → ${back}`);
  }
});

test('outside China gcj02 is the identity', () => {
  assert.deepEqual(wgs84ToGcj02(2.35, 48.85), [2.35, 48.85]);
});

test('display shifts to gcj02 over a gcj02 basemap and back, and leaves wgs84 alone', () => {
  setMapCrs('gcj02');
  const shown = toMap(KNOWN_WGS84);
  assert.ok(Math.abs(shown[0] - KNOWN_GCJ02[0]) < 1e-12);
  const picked = fromMap(shown);
  assert.ok(Math.abs(picked[0] - KNOWN_WGS84[0]) < 1e-8 && Math.abs(picked[1] - KNOWN_WGS84[1]) < 1e-8);
  setMapCrs('wgs84');
  assert.deepEqual(toMap(KNOWN_WGS84), KNOWN_WGS84);
});

const square = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];

test('snap prefers a vertex within tolerance over a nearer edge', () => {
  const s = snap([9.5, 1.5], [square], 3);
  assert.equal(s.kind, 'vertex');
  assert.deepEqual(s.point, [10, 0]);
});

test('snap lands on the nearest edge point when no vertex is near', () => {
  const s = snap([5, 0.8], [square], 2);
  assert.equal(s.kind, 'edge');
  assert.deepEqual(s.point, [5, 0]);
});

test('snap leaves a point beyond tolerance where it is', () => {
  const s = snap([5, 5], [square], 2);
  assert.equal(s.kind, null);
  assert.deepEqual(s.point, [5, 5]);
});

test('inRing tells inside from outside', () => {
  assert.ok(inRing([5, 5], square));
  assert.ok(!inRing([15, 5], square));
});

test('splitting a square with a line across gives two parts covering it', () => {
  const parts = splitRing(square, [[5, -1], [5, 11]]);
  assert.ok(parts);
  const areas = parts.map(r => Math.abs(ringArea2(r)) / 2);
  assert.deepEqual(areas.sort(), [50, 50]);
});

test('a line that does not cross the grid twice splits nothing', () => {
  assert.equal(splitRing(square, [[5, -1], [5, 5]]), null);
});
