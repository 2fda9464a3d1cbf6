// newsvault static search: no server, no third-party code. Loads the index
// written by package publish as <script> files (fetch() of local files is
// refused on file://), folds the query as the server does (traditional to
// simplified, full-width to half-width, lower case), looks its bigram and
// word tokens up in the shards, intersects the postings and keeps the
// articles whose text contains every term.
(function () {
  "use strict";
  var root = document.documentElement.getAttribute("data-root") || "";
  var meta = null, fold = null, posts = {}, docs = {}, waiting = {};
  function arrived(key) { var f = waiting[key]; if (f) { delete waiting[key]; f(); } }
  window.nvMeta = function (m) { meta = m; arrived("meta"); };
  window.nvFold = function (s) {
    fold = new Map(); var a = Array.from(s);
    for (var i = 0; i + 1 < a.length; i += 2) fold.set(a[i], a[i + 1]);
    arrived("fold");
  };
  window.nvPost = function (seg, n, o) { posts[seg + n] = o; arrived(seg + n); };
  window.nvDoc = function (id, d) { docs[id] = d; arrived("t" + id); };
  var loaded = {};
  function load(key, src) {
    if (loaded[key]) return loaded[key];
    loaded[key] = new Promise(function (res, rej) {
      waiting[key] = res;
      var s = document.createElement("script");
      s.src = root + src;
      s.onerror = function () { delete waiting[key]; res(); };
      document.head.appendChild(s);
    });
    return loaded[key];
  }
  function foldText(s) {
    var out = [];
    for (var c of s) {
      if (c >= "A" && c <= "Z") out.push(c.toLowerCase());
      else out.push(fold.get(c) || c);
    }
    return out;
  }
  var reCJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Bopomofo}\u30fc]/u;
  var reWord = /[\p{L}\p{N}]/u, reMark = /\p{M}/u;
  var rePunct = /[\u2010-\u2027\u3000-\u3004\u3008-\u3020\uff01-\uff0f]/u;
  function kind(c) {
    if (c < "\u0080") return /[a-z0-9]/.test(c) ? 1 : 0;
    if (rePunct.test(c)) return 0;
    if (reCJK.test(c) && (reWord.test(c) || c === "\u30fc")) return 2;
    if (reWord.test(c)) return 1;
    if (reMark.test(c)) return 3;
    return 0;
  }
  // tokens returns the index tokens of folded runes f, as the server makes them.
  function tokens(f) {
    var out = [], start = 0, k = 0;
    function flush(end) {
      if (k === 1) out.push(f.slice(start, end).join(""));
      if (k === 2) {
        if (end - start === 1) out.push(f[start]);
        for (var i = start; i + 1 < end; i++) out.push(f[i] + f[i + 1]);
      }
    }
    for (var i = 0; i < f.length; i++) {
      var c = kind(f[i]);
      if (c === 3) { if (k !== 0) continue; c = 1; }
      if (c === k) continue;
      flush(i); start = i; k = c;
    }
    flush(f.length);
    return out;
  }
  function fnv(s) {
    var b = new TextEncoder().encode(s), h = 0x811c9dc5;
    for (var i = 0; i < b.length; i++) { h ^= b[i]; h = Math.imul(h, 0x01000193) >>> 0; }
    return h >>> 0;
  }
  function decode(s) {
    var out = [], prev = 0;
    if (!s) return out;
    s.split(",").forEach(function (d) { prev += parseInt(d, 36); out.push(prev); });
    return out;
  }
  async function lookup(tok) {
    var segs = [["m", meta.main]];
    if (meta.delta) segs.push(["d", meta.delta]);
    var ids = new Set();
    for (var sg of segs) {
      var n = fnv(tok) % sg[1];
      await load(sg[0] + n, "search/" + sg[0] + "/" + n + ".js");
      var o = posts[sg[0] + n] || {};
      if (Object.prototype.hasOwnProperty.call(o, tok)) decode(o[tok]).forEach(function (id) { ids.add(id); });
    }
    return ids;
  }
  function esc(s) { return s.replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function snippet(text, ftext, term) {
    var runes = Array.from(text), pos = 0;
    // rune offset of the match
    var joined = ftext.join(""), idx = joined.indexOf(term.join(""));
    if (idx >= 0) pos = Array.from(joined.slice(0, idx)).length;
    var from = Math.max(0, pos - 40), to = Math.min(runes.length, pos + term.length + 80);
    return (from > 0 ? "…" : "") + esc(runes.slice(from, pos).join("")) + "<mark>" + esc(runes.slice(pos, pos + term.length).join("")) +
      "</mark>" + esc(runes.slice(pos + term.length, to).join("")) + (to < runes.length ? "…" : "");
  }
  var LIMIT = 50;
  async function run(q, out, status) {
    await Promise.all([load("meta", "search/meta.js"), load("fold", "search/fold.js")]);
    var terms = q.split(/\s+/).filter(Boolean).map(foldText);
    var toks = [];
    terms.forEach(function (t) { tokens(t).forEach(function (x) { toks.push(x); }); });
    toks = toks.filter(function (t) { return Array.from(t).length >= 2 || !reCJK.test(t); });
    if (!toks.length) { status.textContent = "请输入至少两个汉字或一个词。"; return; }
    var cand = null;
    for (var t of toks) {
      var ids = await lookup(t);
      cand = cand === null ? ids : new Set([...cand].filter(function (x) { return ids.has(x); }));
      if (!cand.size) break;
    }
    var list = [...cand].sort(function (a, b) { return b - a; }), hits = [];
    for (var i = 0; i < list.length && hits.length < LIMIT; i += 20) {
      var batch = list.slice(i, i + 20);
      await Promise.all(batch.map(function (id) { return load("t" + id, "search/t/" + id + ".js"); }));
      batch.forEach(function (id) {
        var d = docs[id]; if (!d || hits.length >= LIMIT) return;
        var text = d.t + "\n" + d.x, f = foldText(text), joined = f.join("");
        if (terms.every(function (t) { return joined.indexOf(t.join("")) >= 0; })) hits.push([d, text, f]);
      });
    }
    status.textContent = hits.length ? "找到 " + hits.length + (hits.length >= LIMIT ? "+" : "") + " 篇" : "没有找到。";
    out.innerHTML = hits.map(function (h) {
      var d = h[0];
      return '<li><a href="' + esc(root + d.u) + '">' + esc(d.t) + '</a> <time>' + esc(d.d) + '</time> <span class="src">' + esc(d.s) +
        '</span><br><span class="meta">' + snippet(h[1], h[2], terms[0]) + "</span></li>";
    }).join("");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var q = new URLSearchParams(location.search).get("q") || "";
    var input = document.getElementById("q");
    if (input) input.value = q;
    var out = document.getElementById("results"), status = document.getElementById("status");
    if (q && out) run(q, out, status).catch(function (e) { status.textContent = "搜索出错：" + e; });
  });
})();
