// The map widget of location questions (geopoint, geotrace, geoshape) on respondent and
// interviewer pages. It draws the answer on a grid of latitudes and longitudes with a scale:
// no map tiles, no boundary data, nothing fetched from anywhere. A tap places the point (or adds
// a point to a line or a shape), "my location" asks the device, and the text field stays the
// answer: the page works without this script, and what is typed in the field is drawn.
// Every text it shows comes from the page (data-t-* attributes), in the page's language.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var SIZE = 300;
  var MIN_SPAN = 0.0005; // about 55 m of latitude across the view
  var MAX_SPAN = 60;

  function parse(text) {
    var points = [];
    String(text || '').split(';').forEach(function (part) {
      var f = part.trim().split(/\s+/).filter(Boolean).map(Number);
      if (f.length >= 2 && isFinite(f[0]) && isFinite(f[1]) &&
          Math.abs(f[0]) <= 90 && Math.abs(f[1]) <= 180) {
        points.push([f[0], f[1], isFinite(f[2]) ? f[2] : 0, isFinite(f[3]) ? f[3] : 0]);
      }
    });
    return points;
  }

  function fixed(n, digits) {
    return String(Math.round(n * Math.pow(10, digits)) / Math.pow(10, digits));
  }

  function serialise(kind, points) {
    var list = points.map(function (p) {
      return fixed(p[0], 6) + ' ' + fixed(p[1], 6) + ' ' + fixed(p[2], 1) + ' ' + fixed(p[3], 1);
    });
    if (kind === 'shape' && list.length >= 3) list.push(list[0]);
    return list.join(';');
  }

  function niceStep(x) {
    var p = Math.pow(10, Math.floor(Math.log(x) / Math.LN10));
    var m = x / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }

  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }

  function button(box, text, cls) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'secondary ' + cls;
    b.textContent = text;
    box.appendChild(b);
    return b;
  }

  function widget(box) {
    var input = document.getElementById(box.getAttribute('data-for'));
    if (!input || input.readOnly) return;
    var kind = box.getAttribute('data-kind') || 'point';
    var t = function (k) { return box.getAttribute('data-t-' + k) || ''; };
    // A closed ring typed or stored is edited without its repeated first point.
    var points = function () {
      var p = parse(input.value);
      if (kind === 'shape' && p.length >= 2) {
        var a = p[0], b = p[p.length - 1];
        if (a[0] === b[0] && a[1] === b[1]) p.pop();
      }
      return p;
    };
    var view = { lat: 16.0, lon: 106.0, span: 16 };
    var fit = function () {
      var p = points();
      if (p.length === 0) return;
      var lats = p.map(function (x) { return x[0]; });
      var lons = p.map(function (x) { return x[1]; });
      var lo = Math.min.apply(null, lats), hi = Math.max.apply(null, lats);
      var wlo = Math.min.apply(null, lons), whi = Math.max.apply(null, lons);
      view.lat = (lo + hi) / 2;
      view.lon = (wlo + whi) / 2;
      var c = Math.cos(view.lat * Math.PI / 180) || 1;
      view.span = Math.min(MAX_SPAN, Math.max(0.01, (hi - lo) * 1.6, (whi - wlo) * c * 1.6));
    };
    var x = function (lon) {
      return SIZE / 2 + (lon - view.lon) * Math.cos(view.lat * Math.PI / 180) / view.span * SIZE;
    };
    var y = function (lat) { return SIZE / 2 - (lat - view.lat) / view.span * SIZE; };

    box.hidden = false;
    var svg = el('svg', {
      viewBox: '0 0 ' + SIZE + ' ' + SIZE, role: 'img', 'aria-label': t('map'), class: 'sv-geo-map'
    });
    box.appendChild(svg);
    var caption = document.createElement('p');
    caption.className = 'muted sv-geo-caption';
    box.appendChild(caption);
    var buttons = document.createElement('div');
    buttons.className = 'sv-geo-buttons';
    box.appendChild(buttons);
    var status = document.createElement('p');
    status.className = 'muted sv-geo-status';
    status.setAttribute('role', 'status');
    box.appendChild(status);

    var draw = function () {
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      el('rect', { x: 0, y: 0, width: SIZE, height: SIZE, class: 'sv-geo-ground' }, svg);
      var step = niceStep(view.span / 4);
      var c = Math.cos(view.lat * Math.PI / 180) || 1;
      var lonSpan = view.span / c;
      var digits = Math.max(0, -Math.floor(Math.log(step) / Math.LN10));
      for (var la = Math.ceil((view.lat - view.span / 2) / step) * step;
           la <= view.lat + view.span / 2; la += step) {
        el('line', { x1: 0, x2: SIZE, y1: y(la), y2: y(la), class: 'sv-geo-grid' }, svg);
        el('text', { x: 3, y: y(la) - 2, class: 'sv-geo-label' }, svg).textContent = la.toFixed(digits);
      }
      for (var lo = Math.ceil((view.lon - lonSpan / 2) / step) * step;
           lo <= view.lon + lonSpan / 2; lo += step) {
        el('line', { x1: x(lo), x2: x(lo), y1: 0, y2: SIZE, class: 'sv-geo-grid' }, svg);
        el('text', { x: x(lo) + 2, y: SIZE - 3, class: 'sv-geo-label' }, svg).textContent = lo.toFixed(digits);
      }
      // Scale bar: about a quarter of the view, in a round number of metres or kilometres.
      var metresPerUnit = view.span * 111320 / SIZE;
      var metres = niceStep(metresPerUnit * SIZE / 4);
      var len = metres / metresPerUnit;
      el('line', { x1: SIZE - 10 - len, x2: SIZE - 10, y1: 12, y2: 12, class: 'sv-geo-scale' }, svg);
      el('text', { x: SIZE - 10 - len, y: 24, class: 'sv-geo-label' }, svg).textContent =
        metres >= 1000 ? fixed(metres / 1000, 1) + ' km' : fixed(metres, 0) + ' m';
      var p = points();
      if (p.length > 1 && kind !== 'point') {
        var coords = p.map(function (q) { return x(q[1]) + ',' + y(q[0]); }).join(' ');
        el(kind === 'shape' ? 'polygon' : 'polyline', { points: coords, class: 'sv-geo-line' }, svg);
      }
      p.forEach(function (q) {
        el('circle', { cx: x(q[1]), cy: y(q[0]), r: 5, class: 'sv-geo-point' }, svg);
      });
      caption.textContent = p.length === 0 ? t('empty') : t('count').replace('%n', p.length);
      undo.hidden = kind === 'point' || p.length === 0;
      clear.hidden = p.length === 0;
    };

    var set = function (p) {
      input.value = serialise(kind, p);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      draw();
    };

    var locate = button(buttons, t('locate'), 'sv-geo-locate');
    var zoomIn = button(buttons, t('zoom-in'), 'sv-geo-zoom-in');
    var zoomOut = button(buttons, t('zoom-out'), 'sv-geo-zoom-out');
    var undo = button(buttons, t('undo'), 'sv-geo-undo');
    var clear = button(buttons, t('clear'), 'sv-geo-clear');

    svg.addEventListener('click', function (ev) {
      // From the screen to the drawing's own units, whatever its size and border.
      var m = svg.getScreenCTM();
      if (!m) return;
      var at = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(m.inverse());
      var px = at.x, py = at.y;
      var lat = view.lat + (SIZE / 2 - py) / SIZE * view.span;
      var lon = view.lon + (px - SIZE / 2) / SIZE * view.span / (Math.cos(view.lat * Math.PI / 180) || 1);
      if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return;
      var p = kind === 'point' ? [] : points();
      p.push([lat, lon, 0, 0]);
      view.lat = lat;
      view.lon = lon;
      set(p);
    });
    zoomIn.addEventListener('click', function () {
      view.span = Math.max(MIN_SPAN, view.span / 2);
      draw();
    });
    zoomOut.addEventListener('click', function () {
      view.span = Math.min(MAX_SPAN, view.span * 2);
      draw();
    });
    undo.addEventListener('click', function () {
      var p = points();
      p.pop();
      set(p);
    });
    clear.addEventListener('click', function () { set([]); });
    locate.addEventListener('click', function () {
      if (!navigator.geolocation) {
        status.textContent = t('no-location');
        return;
      }
      status.textContent = t('locating');
      navigator.geolocation.getCurrentPosition(function (pos) {
        var c = pos.coords;
        var q = [c.latitude, c.longitude, c.altitude || 0, c.accuracy || 0];
        var p = kind === 'point' ? [] : points();
        p.push(q);
        view.lat = q[0];
        view.lon = q[1];
        view.span = Math.min(view.span, 0.01);
        status.textContent = t('located').replace('%m', fixed(c.accuracy || 0, 0));
        set(p);
      }, function () {
        status.textContent = t('no-location');
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 });
    });
    input.addEventListener('change', function () { fit(); draw(); });
    fit();
    draw();
  }

  function start() {
    var boxes = document.querySelectorAll('.sv-geo[data-for]');
    for (var i = 0; i < boxes.length; i++) widget(boxes[i]);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
