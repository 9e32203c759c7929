// Grid labels by zoom, drawn on a canvas over the map with the browser's own fonts (no glyph server needed, CJK
// included): codes from zoom 15, names too from zoom 16.5. At most one label a grid, skipped where labels would collide.
import { FILL } from './grids.js';

export function addLabels(map) {
  const canvas = document.createElement('canvas');
  canvas.className = 'label-canvas';
  map.getCanvasContainer().appendChild(canvas);
  let pending = false;
  const draw = () => {
    pending = false;
    const { clientWidth: w, clientHeight: h } = map.getContainer();
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== w * ratio || canvas.height !== h * ratio) {
      canvas.width = w * ratio;
      canvas.height = h * ratio;
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const zoom = map.getZoom();
    if (zoom < 15 || !map.getLayer(FILL)) return;
    const seen = new Set();
    const boxes = [];
    ctx.font = '12px "Noto Sans CJK SC", "Noto Sans SC", sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const f of map.queryRenderedFeatures({ layers: [FILL] })) {
      const code = f.properties.code;
      if (seen.has(code)) continue;
      seen.add(code);
      const c = centre(f.geometry);
      if (!c) continue;
      const p = map.project(c);
      if (p.x < 0 || p.y < 0 || p.x > w || p.y > h) continue;
      const lines = zoom >= 16.5 ? [f.properties.name, code] : [code.slice(-5)];
      const width = Math.max(...lines.map(l => ctx.measureText(l).width)) + 6;
      const box = [p.x - width / 2, p.y - 8 * lines.length, p.x + width / 2, p.y + 8 * lines.length];
      if (boxes.some(b => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) continue;
      boxes.push(box);
      lines.forEach((line, i) => {
        const y = p.y + (i - (lines.length - 1) / 2) * 14;
        ctx.lineWidth = 3;
        ctx.strokeStyle = 'rgba(255,255,255,0.9)';
        ctx.strokeText(line, p.x, y);
        ctx.fillStyle = '#1a1a1a';
        ctx.fillText(line, p.x, y);
      });
    }
  };
  const schedule = () => { if (!pending) { pending = true; requestAnimationFrame(draw); } };
  map.on('render', schedule);
  map.on('resize', schedule);
}

/** The middle of a polygon's outer ring's box, or its vertex average when that falls outside: a readable label point. */
function centre(geometry) {
  const ring = geometry.type === 'Polygon' ? geometry.coordinates[0] : geometry.type === 'MultiPolygon' ? geometry.coordinates[0][0] : null;
  if (!ring || ring.length < 3) return null;
  let x = 0, y = 0;
  for (const [lon, lat] of ring) { x += lon; y += lat; }
  return [x / ring.length, y / ring.length];
}
