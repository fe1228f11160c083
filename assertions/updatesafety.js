// Update safety, for updatesafety.go: which resources the next deployment of
// a stack would replace, by either of two routes. It reads JSON objects
// {"before": template, "after": template}, one per line, on stdin and writes
// for each a line {"resources": [{"logicalId", "type", "route", "impact",
// "paths", "detail"}]} (one entry per resource and route), or {"error": …}.
//
// Route "diff": the template text changed in a property that requires
// replacement. The resource-level impact is @aws-cdk/cloudformation-diff's
// (the logic of `cdk diff`); that package looks only at top-level properties,
// so nested changes are checked here against the same resource specification
// it ships (@aws-cdk/aws-service-spec): a change under a property that
// "causesReplacement" (the schema's createOnlyProperties, JSON pointers that
// may be nested, e.g. AWS::EC2::SpotFleet
// /properties/SpotFleetRequestConfigData/LaunchTemplateConfigs) replaces.
//
// Route "deploy-time": the text did not change, but a replacing property's
// value is only known at deploy time and can differ on the next deployment:
//  - a Ref to a parameter of an AWS::SSM::Parameter::Value<...> type:
//    "AWS CloudFormation always fetches the latest values from Parameter
//    Store when it updates stacks" (CloudFormation User Guide, "Specify
//    existing resources at runtime with CloudFormation-supplied parameter
//    types", SSM parameter types);
//  - a {{resolve:...}} dynamic reference: a stack update may fetch a newer
//    value ("Get a plaintext value from Systems Manager Parameter Store");
//    flagged to be safe;
//  - a GetAtt of an attribute that changes on update (volatileAttributes)
//    of a resource this deployment updates: one whose text changed, or one
//    that holds a deploy-time value (above) anywhere in its properties;
//  - a Ref or GetAtt of a resource that is itself replaced by this
//    deployment: a replacement gets a new physical ID (CloudFormation User
//    Guide, "Update behaviors of stack resources", Replacement).
'use strict';
const path = require('path');
const tools = path.join(process.env.BLUEPRINTS_TOOLS, 'node_modules');
const { fullDiff, ResourceImpact } = require(path.join(tools, '@aws-cdk', 'cloudformation-diff'));
const { loadResourceModel } = require(path.join(tools, '@aws-cdk', 'cloudformation-diff', 'lib', 'diff', 'util'));
// One copy of the service specification per process (loading it takes about
// half a second): cloudformation-diff loads it on first use through this
// module's export, which is made to remember it, and replacingPaths asks the
// same export.
const serviceSpec = require(path.join(tools, '@aws-cdk', 'aws-service-spec'));
const loadSpec = serviceSpec.loadAwsServiceSpecSync;
let spec;
serviceSpec.loadAwsServiceSpecSync = () => (spec = spec || loadSpec());

// Attributes whose value changes when their resource is updated in place.
const volatileAttributes = {
  // CloudFormation User Guide, AWS::EC2::LaunchTemplate: an update of
  // LaunchTemplateData creates a new version, which LatestVersionNumber
  // returns. (DefaultVersionNumber stays: the default version "cannot be
  // specified in AWS CloudFormation".)
  'AWS::EC2::LaunchTemplate': ['LatestVersionNumber'],
};

const replacingPathsCache = new Map();

// replacingPaths lists a type's property paths ("A/B/C") whose change
// replaces the resource, with "yes" or "maybe".
function replacingPaths(type) {
  if (replacingPathsCache.has(type)) return replacingPathsCache.get(type);
  const paths = new Map();
  const model = loadResourceModel(type);
  if (model) {
    const db = serviceSpec.loadAwsServiceSpecSync();
    // Types may be recursive (a WAF Statement holds Statements): a type
    // already on the path is not entered again.
    const walk = (props, prefix, enclosing) => {
      for (const [name, p] of Object.entries(props || {})) {
        const at = prefix ? `${prefix}/${name}` : name;
        if (p.causesReplacement === 'yes' || p.causesReplacement === 'maybe') paths.set(at, p.causesReplacement);
        for (const ref of refsOf(p.type)) {
          if (enclosing.has(ref)) continue;
          walk(db.get('typeDefinition', ref).properties, at, new Set([...enclosing, ref]));
        }
      }
    };
    walk(model.properties, '', new Set());
  }
  replacingPathsCache.set(type, paths);
  return paths;
}

function refsOf(t) {
  if (!t) return [];
  if (t.type === 'ref') return [t.reference.$ref];
  return [...refsOf(t.element), ...(t.types || []).flatMap(refsOf)];
}

// replacement says whether a change at a value path (array indices dropped)
// replaces: "yes", "maybe" or undefined. A change there replaces if the
// path or one of its ancestors is create-only; with descendants (a change
// of the whole value, an object that became an intrinsic, a list that grew),
// if a create-only property lies under it.
function replacement(type, valuePath, descendants) {
  const paths = replacingPaths(type);
  let verdict;
  for (let i = 1; i <= valuePath.length; i++) {
    const v = paths.get(valuePath.slice(0, i).join('/'));
    if (v === 'yes') return 'yes';
    if (v) verdict = v;
  }
  if (descendants) {
    const prefix = valuePath.length ? `${valuePath.join('/')}/` : '';
    for (const [p, v] of paths) {
      if (!p.startsWith(prefix)) continue;
      if (v === 'yes') return 'yes';
      verdict = verdict || v;
    }
  }
  return verdict;
}

// leaves calls f(path, value) for every value in a property tree, with the
// path of property names (array indices dropped), stopping at intrinsics.
function leaves(value, at, f) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'))) return f(at, value);
    for (const k of keys) leaves(value[k], [...at, k], f);
  } else if (Array.isArray(value)) {
    for (const v of value) leaves(v, at, f);
  } else {
    f(at, value);
  }
}

// changedPaths lists the property paths whose values differ.
function changedPaths(before, after) {
  const out = new Set();
  const walk = (a, b, at) => {
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const plain = (v) => v && typeof v === 'object' && !Array.isArray(v) && !isIntrinsic(v);
    if (plain(a) && plain(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], [...at, k]);
    } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((v, i) => walk(v, b[i], at));
    } else {
      out.add(at.join('/'));
    }
  };
  walk(before || {}, after || {}, []);
  return [...out].map((p) => (p ? p.split('/') : []));
}

function isIntrinsic(v) {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

// references lists what an intrinsic value depends on at deploy time:
// {kind: "resource"|"ssm-parameter"|"dynamic"|"attribute", name, attribute}.
function references(value, template) {
  const out = [];
  const visit = (v) => {
    if (typeof v === 'string') {
      if (v.includes('{{resolve:')) out.push({ kind: 'dynamic', name: v });
      return;
    }
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v.Ref === 'string') return out.push(refTo(v.Ref));
    if (v['Fn::GetAtt']) {
      const [name, attribute] = Array.isArray(v['Fn::GetAtt']) ? v['Fn::GetAtt'] : String(v['Fn::GetAtt']).split('.');
      return out.push({ kind: 'attribute', name, attribute });
    }
    if (v['Fn::Sub']) {
      const [text, vars] = Array.isArray(v['Fn::Sub']) ? v['Fn::Sub'] : [v['Fn::Sub'], {}];
      for (const m of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        if (vars && m[1] in vars) continue;
        const [name, attribute] = m[1].split('.');
        out.push(attribute ? { kind: 'attribute', name, attribute } : refTo(name));
      }
      if (String(text).includes('{{resolve:')) out.push({ kind: 'dynamic', name: text });
      return visit(vars);
    }
    Object.values(v).forEach(visit);
  };
  const refTo = (name) => {
    const p = (template.Parameters || {})[name];
    if (p && String(p.Type).startsWith('AWS::SSM::Parameter::Value<')) return { kind: 'ssm-parameter', name };
    return { kind: 'resource', name };
  };
  visit(value);
  return out;
}

function analyse(before, after) {
  const result = new Map();
  const replaced = new Set(); // logical IDs
  const add = (id, type, route, impact, paths, detail) => {
    const key = `${id} ${route}`;
    if (!result.has(key)) result.set(key, { logicalId: id, type, route, impact, paths: [], detail: [] });
    if (impact !== 'WILL_DESTROY') replaced.add(id);
    const r = result.get(key);
    for (const p of paths) if (!r.paths.includes(p)) r.paths.push(p);
    if (detail && !r.detail.includes(detail)) r.detail.push(detail);
  };

  // Route "diff". updated collects the resources this deployment may update
  // in place (their text changed).
  const updated = new Set();
  const diff = fullDiff(before, after);
  diff.resources.forEachDifference((id, change) => {
    const type = change.newResourceType || change.oldResourceType;
    if (change.isRemoval) return add(id, type, 'diff', 'WILL_DESTROY', [], 'removed from the template');
    if (change.isAddition) return;
    updated.add(id);
    if (change.oldResourceType !== change.newResourceType) return add(id, type, 'diff', 'WILL_REPLACE', [], 'its type changed');
    const oldProps = before.Resources[id].Properties;
    const newProps = after.Resources[id].Properties;
    let impact = change.changeImpact;
    const paths = [];
    for (const p of changedPaths(oldProps, newProps)) {
      const v = replacement(type, p, true);
      if (!v) continue;
      paths.push(p.join('/'));
      if (v === 'yes') impact = ResourceImpact.WILL_REPLACE;
      else if (impact !== ResourceImpact.WILL_REPLACE) impact = ResourceImpact.MAY_REPLACE;
    }
    if (impact === ResourceImpact.WILL_REPLACE || impact === ResourceImpact.MAY_REPLACE) {
      add(id, type, 'diff', impact, paths, 'a property that requires replacement changed');
    }
  });

  // Route "deploy-time", to a fixed point (a replaced resource replaces the
  // resources that name it in a replacing property).
  const resources = after.Resources || {};
  // A resource holding a deploy-time value anywhere is updated whenever
  // that value changes.
  for (const [id, res] of Object.entries(resources)) {
    leaves(res.Properties || {}, [], (at, value) => {
      if (references(value, after).some((r) => r.kind === 'ssm-parameter' || r.kind === 'dynamic')) updated.add(id);
    });
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const [id, res] of Object.entries(resources)) {
      leaves(res.Properties || {}, [], (at, value) => {
        const v = replacement(res.Type, at, false);
        if (!v) return;
        for (const ref of references(value, after)) {
          let why;
          if (ref.kind === 'ssm-parameter') why = `references the SSM-typed parameter ${ref.name}, which CloudFormation reads again on every update`;
          else if (ref.kind === 'dynamic') why = `holds a dynamic reference (${ref.name}), resolved on every update`;
          else if (ref.kind === 'attribute' && updated.has(ref.name) && (volatileAttributes[(resources[ref.name] || {}).Type] || []).includes(ref.attribute)) {
            why = `references ${ref.name}.${ref.attribute}, which changes when this deployment updates ${ref.name}`;
          } else if ((ref.kind === 'attribute' || ref.kind === 'resource') && replaced.has(ref.name) && ref.name !== id) {
            why = `references ${ref.name}, which this deployment replaces`;
          }
          if (!why) continue;
          const known = result.get(`${id} deploy-time`);
          if (known && known.paths.includes(at.join('/')) && known.detail.includes(why)) continue;
          add(id, res.Type, 'deploy-time', v === 'yes' ? 'WILL_REPLACE' : 'MAY_REPLACE', [at.join('/')], why);
          changed = true;
        }
      });
    }
  }
  return [...result.values()].sort((a, b) => `${a.logicalId} ${a.route}`.localeCompare(`${b.logicalId} ${b.route}`));
}

// One request per line, one answer per line, until stdin closes: a test
// process keeps one analyser, so the resource specification is loaded once.
let input = '';
process.stdin.on('data', (d) => {
  input += d;
  let nl;
  while ((nl = input.indexOf('\n')) >= 0) {
    const line = input.slice(0, nl);
    input = input.slice(nl + 1);
    if (line.trim() === '') continue;
    let answer;
    try {
      const { before, after } = JSON.parse(line);
      answer = { resources: analyse(before, after) };
    } catch (e) {
      answer = { error: String(e && e.stack || e) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
});
process.stdin.on('end', () => process.exit(0));
