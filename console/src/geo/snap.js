// Snapping while a boundary is edited: a dragged vertex lands on a neighbour's vertex when one is within the tolerance,
// else on the nearest point of a neighbour's edge within it, so that no sliver gap or overlap is made by hand.
// Works in screen pixels (what "near" means to the hand); the caller converts to and from map coordinates.

/** Nearest point to p on the segment a-b, and its squared distance. Points are [x, y]. */
export function nearestOnSegment(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const q = [a[0] + t * dx, a[1] + t * dy];
  return { point: q, t, d2: (q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2 };
}

/**
 * Snaps p to the targets: rings (arrays of [x, y], closed or not) of the neighbours.
 * Returns { point, kind: 'vertex' | 'edge' | null, ring, index } — index: the vertex, or the edge's first vertex.
 * A vertex within tolerance wins over a nearer edge: corners shared by three grids stay shared.
 */
export function snap(p, rings, tolerance) {
  const tol2 = tolerance * tolerance;
  let best = null;
  rings.forEach((ring, r) => {
    ring.forEach((v, i) => {
      const d2 = (v[0] - p[0]) ** 2 + (v[1] - p[1]) ** 2;
      if (d2 <= tol2 && (!best || best.kind !== 'vertex' || d2 < best.d2)) best = { point: [v[0], v[1]], kind: 'vertex', ring: r, index: i, d2 };
    });
  });
  if (best) return best;
  rings.forEach((ring, r) => {
    for (let i = 0; i + 1 < ring.length; i++) {
      const hit = nearestOnSegment(p, ring[i], ring[i + 1]);
      if (hit.d2 <= tol2 && (!best || hit.d2 < best.d2)) best = { point: hit.point, kind: 'edge', ring: r, index: i, d2: hit.d2 };
    }
  });
  return best ?? { point: [p[0], p[1]], kind: null, ring: -1, index: -1, d2: 0 };
}

/** Whether p lies inside the ring (even-odd rule); points are [x, y]. */
export function inRing(p, ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i], [xj, yj] = ring[j];
    if ((yi > p[1]) !== (yj > p[1]) && p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
