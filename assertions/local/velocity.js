// A Velocity renderer with API Gateway's mapping-template variables, for the
// Go harness in velocity.go. It reads one JSON request per line on stdin and
// writes one JSON response per line on stdout:
//
//   in:  {"template": "...", "request": {"body": "...", "path": {}, "querystring": {},
//         "header": {}, "context": {}, "stageVariables": {}}}
//   out: {"output": "...", "status": 429, "headers": {}}   or   {"error": "..."}
//
// What it implements follows AWS's "Variables for data transformations"
// reference (the mapping-template reference):
//   $input.body, $input.json(x), $input.path(x), $input.params(), $input.params(x)
//   $util.escapeJavaScript, parseJson, urlEncode, urlDecode, base64Encode, base64Decode
//   $context.* (as given), $context.responseOverride.status and .header.<name>
//   $stageVariables.*
// API Gateway runs Apache Velocity on the JVM, so strings here are JavaString
// objects with Java's String methods (replaceAll takes a Java regex; Velocity
// passes "\\'" to it as the three characters \ \ ').
'use strict';
const path = require('path');
const readline = require('readline');
const { parse, Compile } = require(path.join(process.env.BLUEPRINTS_TOOLS, 'node_modules', 'velocityjs'));

class JavaString {
  constructor(s) { this.s = String(s); }
  toString() { return this.s; }
  valueOf() { return this.s; }
  length() { return this.s.length; } // UTF-16 units, as Java's
  codePointCount(a, b) { return [...this.s.substring(a, b)].length; }
  isEmpty() { return this.s.length === 0; }
  equals(o) { return this.s === String(o); }
  equalsIgnoreCase(o) { return this.s.toLowerCase() === String(o).toLowerCase(); }
  contains(o) { return this.s.includes(String(o)); }
  startsWith(o) { return this.s.startsWith(String(o)); }
  endsWith(o) { return this.s.endsWith(String(o)); }
  indexOf(o) { return this.s.indexOf(String(o)); }
  lastIndexOf(o) { return this.s.lastIndexOf(String(o)); }
  charAt(i) { return new JavaString(this.s.charAt(i)); }
  substring(a, b) { return new JavaString(b === undefined ? this.s.substring(a) : this.s.substring(a, b)); }
  toLowerCase() { return new JavaString(this.s.toLowerCase()); }
  toUpperCase() { return new JavaString(this.s.toUpperCase()); }
  trim() { return new JavaString(this.s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, '')); }
  // Java's replace(CharSequence, CharSequence) is literal; replaceAll and
  // replaceFirst take a regex and a replacement in which $n and \ are special.
  replace(a, b) { return new JavaString(this.s.split(String(a)).join(String(b))); }
  replaceAll(re, rep) { return new JavaString(this.s.replace(javaRegex(re, 'gu'), javaReplacement(rep))); }
  replaceFirst(re, rep) { return new JavaString(this.s.replace(javaRegex(re, 'u'), javaReplacement(rep))); }
  matches(re) { return new RegExp('^(?:' + String(re) + ')$', 'u').test(this.s); }
  split(re) { return this.s.split(javaRegex(re, 'u')).map((x) => new JavaString(x)); }
}

function javaRegex(re, flags) { return new RegExp(String(re), flags); }
// Java replacement strings use $1 for groups and \x for a literal x.
function javaReplacement(rep) {
  return String(rep).replace(/\\(.)|\$(\d)|(\$\$?)/g, (m, lit, group, dollar) => {
    if (lit !== undefined) return lit === '$' ? '$$' : lit;
    if (group !== undefined) return '$' + group;
    return '$$';
  });
}

// wrap turns parsed JSON into what Velocity sees: Maps, Lists and Strings.
function wrap(v) {
  if (typeof v === 'string') return new JavaString(v);
  if (Array.isArray(v)) return v.map(wrap);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = wrap(v[k]);
    return o;
  }
  return v;
}

// JSONPath as API Gateway accepts it in $input.path/json: $, .name, ['name'], ["name"], [index].
function jsonPath(root, expr) {
  expr = String(expr);
  if (!expr.startsWith('$')) throw new Error('JSONPath must start with $: ' + expr);
  let v = root;
  const re = /\.([A-Za-z_$][\w$-]*)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(\d+)\s*\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < expr.length) {
    const start = re.lastIndex;
    const m = re.exec(expr);
    if (!m || m.index !== start) throw new Error('unsupported JSONPath: ' + expr);
    const key = m[1] ?? m[2] ?? m[3] ?? Number(m[4]);
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = v[key];
  }
  return v;
}

// $util.escapeJavaScript is Apache Commons Lang's escapeJavaScript: JavaScript
// string rules, so ' becomes \' (not valid JSON), / becomes \/, control
// characters and everything above U+007F become \uXXXX escapes.
function escapeJavaScript(s) {
  if (s === null || s === undefined) return null;
  s = String(s);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (c > 0x7f) out += '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    else if (c < 32) {
      const named = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }[c];
      out += named || '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
    } else if (ch === "'" || ch === '"' || ch === '\\' || ch === '/') out += '\\' + ch;
    else out += ch;
  }
  return new JavaString(out);
}

function render(template, req) {
  // An empty body is {} to a mapping template, in $input.body and
  // $input.path alike (not documented; observed in localstack/localstack#12413,
  // "APIGW: fix rendering of $input.body when empty", against AWS).
  const raw = req.body === undefined || req.body === null ? '' : String(req.body);
  const body = raw === '' ? '{}' : raw;
  let parsed;
  const bodyJSON = () => {
    if (parsed === undefined) {
      try {
        parsed = body.trim() === '' ? {} : JSON.parse(body);
      } catch (e) {
        throw new Error('Could not parse request body into json: ' + e.message);
      }
    }
    return parsed;
  };
  const params = {
    path: wrap(req.path || {}),
    querystring: wrap(req.querystring || {}),
    header: wrap(req.header || {}),
  };
  const input = {
    body: new JavaString(body),
    json: (p) => new JavaString(JSON.stringify(jsonPath(bodyJSON(), p)) ?? ''),
    path: (p) => wrap(jsonPath(bodyJSON(), p)),
    params: (name) => {
      if (name === undefined) return params;
      for (const where of ['path', 'querystring', 'header']) {
        if (Object.prototype.hasOwnProperty.call(params[where], String(name))) return params[where][String(name)];
      }
      return new JavaString('');
    },
  };
  const util = {
    escapeJavaScript,
    parseJson: (s) => wrap(JSON.parse(String(s))),
    urlEncode: (s) => new JavaString(encodeURIComponent(String(s)).replace(/%20/g, '+')),
    urlDecode: (s) => new JavaString(decodeURIComponent(String(s).replace(/\+/g, ' '))),
    base64Encode: (s) => new JavaString(Buffer.from(String(s), 'utf8').toString('base64')),
    base64Decode: (s) => new JavaString(Buffer.from(String(s), 'base64').toString('utf8')),
  };
  const context = wrap(req.context || {});
  // "Overrides are final. An override may only be applied to each parameter
  // once. If you try to override the same parameter multiple times, API
  // Gateway returns a 5XX response." ("Override your API's request and
  // response parameters and status codes for REST APIs"). A second set
  // throws, which the Go side answers with a 500.
  const once = (target, what) => new Proxy(target, {
    set(obj, key, value) {
      if (Object.prototype.hasOwnProperty.call(obj, key)) throw new Error('overriding ' + what + String(key) + ' twice');
      obj[key] = value;
      return true;
    },
  });
  context.responseOverride = once({ header: once({}, 'header ') }, '');

  const output = new Compile(parse(template), { escape: false }).render({
    input, util, context, stageVariables: wrap(req.stageVariables || {}),
  });
  const headers = {};
  for (const [k, v] of Object.entries(context.responseOverride.header)) headers[k] = String(v);
  const status = context.responseOverride.status;
  return { output, status: status === undefined ? 0 : Number(String(status)), headers };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let res;
  try {
    const { template, request } = JSON.parse(line);
    res = render(template, request || {});
  } catch (e) {
    res = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(res) + '\n');
});
