// Splitting a grid along a line drawn across it: the ring is cut where the line first enters and last leaves it,
// giving two rings that share the cut. Handles a simple polygon without holes (a unit grid); anything else is
// left to the server's checks, which refuse parts that do not cover the grid.

function intersect(a, b, c, d) {
  const r = [b[0] - a[0], b[1] - a[1]], s = [d[0] - c[0], d[1] - c[1]];
  const den = r[0] * s[1] - r[1] * s[0];
  if (den === 0) return null;
  const t = ((c[0] - a[0]) * s[1] - (c[1] - a[1]) * s[0]) / den;
  const u = ((c[0] - a[0]) * r[1] - (c[1] - a[1]) * r[0]) / den;
  if (t < 0 || t > 1 || u < 0 || u > 1) return null;
  return { point: [a[0] + t * r[0], a[1] + t * r[1]], t, u };
}

/**
 * ring: closed ring [[x, y], ..., first]; line: [[x, y], ...] drawn across it.
 * Returns [ringA, ringB] (closed), or null when the line does not cross the ring exactly twice.
 */
export function splitRing(ring, line) {
  const hits = [];
  for (let l = 0; l + 1 < line.length; l++) {
    for (let e = 0; e + 1 < ring.length; e++) {
      const x = intersect(line[l], line[l + 1], ring[e], ring[e + 1]);
      if (x) hits.push({ ...x, l, e, along: l + x.t });
    }
  }
  if (hits.length !== 2) return null;
  hits.sort((a, b) => a.along - b.along);
  const [first, last] = hits;
  // The cut: the first crossing, the line's own vertices between the crossings, the last crossing.
  const cut = [first.point];
  for (let l = first.l + 1; l <= last.l; l++) cut.push(line[l]);
  cut.push(last.point);
  const n = ring.length - 1;
  const walk = (from, to) => {
    // Ring vertices after edge `from` up to and including the start of edge `to`, going forward.
    const out = [];
    let i = (from + 1) % n;
    for (let k = 0; k < n; k++) {
      out.push(ring[i]);
      if (i === to) break;
      i = (i + 1) % n;
    }
    return out;
  };
  // Both crossings on one edge: the line dips in and out through one side; no clean cut.
  if (first.e === last.e) return null;
  const a = [...cut, ...walk(last.e, first.e)];
  const b = [...cut.slice().reverse(), ...walk(first.e, last.e)];
  const close = r => (r.length >= 3 ? [...r, r[0]] : null);
  const ra = close(a), rb = close(b);
  return ra && rb ? [ra, rb] : null;
}

/** Twice the signed area of a closed ring (positive: counter-clockwise in x-right, y-up). */
export function ringArea2(ring) {
  let s = 0;
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return s;
}
