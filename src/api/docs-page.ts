/**
 * A self-contained HTML rendering of the OpenAPI document for /docs: the controller has no
 * internet, so no CDN viewer; no scripts either (the page's CSP forbids them). Every text taken
 * from the document is escaped.
 */
type Json = unknown;
type Obj = Record<string, Json>;

const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const isObj = (v: Json): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const anchor = (name: string): string => 'schema-' + name.replace(/[^A-Za-z0-9_-]/g, '_');

/** Pretty JSON with `$ref`s turned into links to the schema section. */
function schemaHtml(schema: Json): string {
  return `<pre>${esc(JSON.stringify(schema, null, 2)).replace(
    /&quot;\$ref&quot;: &quot;#\/components\/schemas\/([^&]+)&quot;/g,
    (_m, name: string) => `&quot;$ref&quot;: <a href="#${anchor(name)}">${name}</a>`,
  )}</pre>`;
}

function contentHtml(content: Json): string {
  if (!isObj(content)) return '';
  return Object.entries(content)
    .map(([type, media]) => `<div class="media">${esc(type)}</div>${isObj(media) ? schemaHtml(media.schema) : ''}`)
    .join('');
}

function operationHtml(path: string, method: string, op: Obj): string {
  const params = Array.isArray(op.parameters) ? (op.parameters as Obj[]) : [];
  const body = isObj(op.requestBody) ? op.requestBody : undefined;
  const responses = isObj(op.responses) ? op.responses : {};
  const role = typeof op['x-required-role'] === 'string' ? op['x-required-role'] : 'public';
  return `<section class="op">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code> <span class="role">${esc(role)}</span></h3>
<p>${esc(String(op.summary ?? ''))}</p>${op.description ? `<p class="d">${esc(String(op.description))}</p>` : ''}
${params.length ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th><th>description</th></tr>${params
    .map(
      (p) =>
        `<tr><td><code>${esc(String(p.name))}</code></td><td>${esc(String(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${esc(
          JSON.stringify(p.schema ?? {}),
        )}</code></td><td>${esc(String(p.description ?? (isObj(p.schema) ? (p.schema.description ?? '') : '')))}</td></tr>`,
    )
    .join('')}</table>` : ''}
${body ? `<h4>Request body</h4>${contentHtml(body.content)}` : ''}
<h4>Responses</h4>${Object.entries(responses)
    .map(([status, r]) => `<div class="resp"><b>${esc(status)}</b> ${isObj(r) ? esc(String(r.description ?? '')) + contentHtml(r.content) : ''}</div>`)
    .join('')}
</section>`;
}

export const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function renderDocsPage(doc: Obj): string {
  const info = isObj(doc.info) ? doc.info : {};
  const paths = isObj(doc.paths) ? doc.paths : {};
  const schemas = isObj(doc.components) && isObj(doc.components.schemas) ? doc.components.schemas : {};
  const ops = Object.entries(paths).flatMap(([path, item]) =>
    isObj(item) ? Object.entries(item).filter(([, op]) => isObj(op)).map(([method, op]) => operationHtml(path, method, op as Obj)) : [],
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(String(info.title ?? 'API'))}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:12px}code{font-size:12px}
.op{border-top:1px solid #ddd;padding:.5em 0}.m{display:inline-block;min-width:4.5em;color:#fff;border-radius:3px;padding:0 .4em;text-align:center}
.get{background:#2b7}.post{background:#27c}.put{background:#c80}.patch{background:#a5c}.delete{background:#c33}
.role{font-size:12px;color:#666;border:1px solid #ccc;border-radius:3px;padding:0 .3em}.d{color:#444}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}.media{color:#666;font-size:12px}
</style></head><body>
<h1>${esc(String(info.title ?? 'API'))} <small>${esc(String(info.version ?? ''))}</small></h1>
<p>${esc(String(info.description ?? ''))}</p>
<p>Machine-readable document: <a href="/openapi.json">/openapi.json</a>. Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<h2>Operations</h2>
${ops.join('\n')}
<h2>Schemas</h2>
${Object.entries(schemas)
  .map(([name, s]) => `<section id="${anchor(name)}"><h3>${esc(name)}</h3>${schemaHtml(s)}</section>`)
  .join('\n')}
</body></html>`;
}
