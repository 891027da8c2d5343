// Section 12: the scenario as run. When the report carries the scenario file's text
// (report.scenario.text), it is shown with line numbers and the lines that command-line
// overrides replaced are marked with the value used; otherwise the scenario's identity and the
// overrides are listed. The text is redacted before it gets here (src/report/redact-secrets.ts).
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml'
import type { Report } from '../../contract/report-types.ts'
import { escapeHtml as esc } from './inline-assets.ts'

// The 1-based line of each override key path ("load.duration") in the YAML text, if present.
function overrideLines(text: string, paths: readonly string[]): Map<number, string[]> {
  const lines = new Map<number, string[]>()
  let doc: ReturnType<typeof parseDocument>
  const counter = new LineCounter()
  try {
    doc = parseDocument(text, { lineCounter: counter })
  } catch {
    return lines
  }
  for (const path of paths) {
    let node: unknown = doc.contents
    let keyNode: unknown
    for (const part of path.split('.')) {
      if (!isMap(node)) {
        node = undefined
        break
      }
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === part,
      )
      keyNode = pair?.key
      node = pair?.value
    }
    const range = (isScalar(keyNode) ? keyNode.range : undefined) ?? undefined
    if (node === undefined || !range) continue
    const line = counter.linePos(range[0]).line
    lines.set(line, [...(lines.get(line) ?? []), path])
  }
  return lines
}

export function renderScenario(report: Report): string {
  const s = report.scenario
  const text = s.text
  const overrides = Object.entries(report.overrides)
  const overrideList =
    overrides.length === 0
      ? '<p>No command-line overrides: the scenario ran as written.</p>'
      : `<h3>Overridden on the command line</h3><table class="kv"><tbody>${overrides
          .map(
            ([key, value]) => `<tr><th scope="row">${esc(key)}</th><td><code>${esc(value)}</code></td></tr>`,
          )
          .join('')}</tbody></table>`
  const identity = `<dl class="facts"><div><dt>name</dt><dd>${esc(s.name)}</dd></div><div><dt>file</dt><dd><code>${esc(s.file ?? '(given as an object)')}</code></dd></div><div><dt>seed</dt><dd>${s.seed}</dd></div><div><dt>sampler</dt><dd>${esc(report.sampler)}</dd></div></dl>`
  if (typeof text !== 'string') {
    return `${identity}${overrideList}<p class="placeholder">This report does not carry the scenario file's text; the file above, at the commit in the verdict, is what ran (with the overrides listed).</p>`
  }
  const marked = overrideLines(text, Object.keys(report.overrides))
  const body = text
    .replace(/\n$/, '')
    .split('\n')
    .map((line, i) => {
      const paths = marked.get(i + 1)
      const note = paths
        ? ` <span class="override-note">  ← overridden: ${paths.map((p) => `${esc(p)} = ${esc(report.overrides[p] ?? '')}`).join(', ')}</span>`
        : ''
      return `<span class="ln${paths ? ' is-override' : ''}" data-n="${i + 1}">${esc(line)}${note}</span>`
    })
    .join('')
  const unplaced = Object.keys(report.overrides).filter((p) => ![...marked.values()].flat().includes(p))
  const unplacedNote =
    unplaced.length > 0
      ? `<p class="small muted">Not in the file (defaults replaced on the command line): ${unplaced.map((p) => `<code>${esc(p)} = ${esc(report.overrides[p] ?? '')}</code>`).join(', ')}.</p>`
      : ''
  return `${identity}${overrideList}${unplacedNote}<pre class="scenario">${body}</pre>`
}
