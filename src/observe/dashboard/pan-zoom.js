// Zoom (wheel, buttons) and pan (drag) of an SVG by its viewBox; "fit" shows all of it at the panel's width.

/** Makes `svg` fill its container's width and adds zoom and pan; returns { fit, zoom }. */
export function panZoom(svg, controls) {
  const [x0, y0, w0, h0] = svg
    .getAttribute('viewBox')
    .split(/[\s,]+/)
    .map(Number);
  let box = { x: x0, y: y0, w: w0, h: h0 };
  svg.removeAttribute('style');
  svg.setAttribute('width', '100%');
  svg.removeAttribute('height');
  svg.style.aspectRatio = `${w0} / ${h0}`;
  const apply = () => svg.setAttribute('viewBox', `${box.x} ${box.y} ${box.w} ${box.h}`);
  const zoom = (factor, cx = box.x + box.w / 2, cy = box.y + box.h / 2) => {
    const w = Math.min(w0 * 4, Math.max(w0 / 8, box.w / factor));
    const h = (w / box.w) * box.h;
    box = { x: cx - ((cx - box.x) * w) / box.w, y: cy - ((cy - box.y) * h) / box.h, w, h };
    apply();
  };
  const fit = () => {
    box = { x: x0, y: y0, w: w0, h: h0 };
    apply();
  };
  svg.addEventListener(
    'wheel',
    (event) => {
      if (!event.ctrlKey && !event.metaKey) return; // a plain wheel scrolls the page
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      const cx = box.x + ((event.clientX - rect.left) / rect.width) * box.w;
      const cy = box.y + ((event.clientY - rect.top) / rect.height) * box.h;
      zoom(event.deltaY < 0 ? 1.2 : 1 / 1.2, cx, cy);
    },
    { passive: false },
  );
  let drag = null;
  let dragged = false;
  // A drag is not a click on the state under the pointer.
  svg.addEventListener(
    'click',
    (event) => {
      if (dragged) event.stopPropagation();
    },
    { capture: true },
  );
  svg.addEventListener('pointerdown', (event) => {
    dragged = false;
    drag = { x: event.clientX, y: event.clientY, box: { ...box }, moved: false };
  });
  svg.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const rect = svg.getBoundingClientRect();
    const dx = ((event.clientX - drag.x) / rect.width) * box.w;
    const dy = ((event.clientY - drag.y) / rect.height) * box.h;
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) drag.moved = true;
    if (!drag.moved) return;
    box = { ...box, x: drag.box.x - dx, y: drag.box.y - dy };
    apply();
  });
  const end = () => {
    dragged = drag?.moved ?? false;
    drag = null;
  };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointerleave', () => (drag = null));
  controls.querySelector('[data-zoom="in"]').addEventListener('click', () => zoom(1.25));
  controls.querySelector('[data-zoom="out"]').addEventListener('click', () => zoom(1 / 1.25));
  controls.querySelector('[data-zoom="fit"]').addEventListener('click', fit);
  return { fit, zoom };
}
