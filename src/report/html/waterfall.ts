// A trace drawn as a Jaeger-style waterfall in plain HTML: one row per span in tree order
// (children by start time), indented by depth, with a bar placed by start offset and duration.
// Each row is a <details> element: clicking it opens the span's attributes, events and
// exception below the row (as Jaeger's span detail does), without any script, so it also
// works with JavaScript off. Positions are percentages of the trace's extent.
import type { SpanRecord, TraceRecord } from '../../contract/trace-record.ts'
import { formatMs } from '../render-console.ts'
import { escapeHtml } from './inline-assets.ts'

// A trace with retries has a few dozen spans; this bounds a pathological one.
export const MAX_SPANS_PER_WATERFALL = 300

type Row = { span: SpanRecord; depth: number }

export function spanTree(trace: TraceRecord): Row[] {
  const ids = new Set(trace.spans.map((s) => s.span_id))
  const children = new Map<string | null, SpanRecord[]>()
  for (const span of trace.spans) {
    // A span whose parent is not in the record (remote or lost) is drawn as a root.
    const parent = span.parent_span_id !== null && ids.has(span.parent_span_id) ? span.parent_span_id : null
    const list = children.get(parent) ?? []
    list.push(span)
    children.set(parent, list)
  }
  for (const list of children.values()) list.sort((a, b) => a.start_offset_ms - b.start_offset_ms)
  // Depth-first with an explicit stack (a report.json may hold a 20,000-span parent chain, too deep
  // for recursion); children are pushed in reverse so they come out in start order. Each id's
  // children are expanded once, so duplicate ids or a cycle cannot loop.
  const rows: Row[] = []
  const expanded = new Set<string>()
  const stack: Row[] = [...(children.get(null) ?? [])].reverse().map((span) => ({ span, depth: 0 }))
  for (let row = stack.pop(); row !== undefined; row = stack.pop()) {
    rows.push(row)
    if (expanded.has(row.span.span_id)) continue
    expanded.add(row.span.span_id)
    const kids = children.get(row.span.span_id) ?? []
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i]!, depth: row.depth + 1 })
  }
  return rows
}

function pct(value: number): string {
  return `${Math.max(0, Math.min(100, value)).toFixed(3)}%`
}

function niceStep(extentMs: number): number {
  const raw = extentMs / 5
  const magnitude = 10 ** Math.floor(Math.log10(raw || 1))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude
  return 10 * magnitude
}

function ruler(extentMs: number): string {
  const step = niceStep(extentMs)
  const ticks: string[] = []
  for (let t = 0; t <= extentMs + 1e-9; t += step) {
    const text = step >= 1 ? t.toFixed(0) : formatMs(t)
    ticks.push(`<span class="tick" style="left:${pct((t / extentMs) * 100)}">${escapeHtml(text)} ms</span>`)
  }
  return `<div class="wf-ruler" aria-hidden="true"><div class="wf-name"></div><div class="wf-track">${ticks.join('')}</div></div>`
}

function attributeTable(attributes: SpanRecord['attributes']): string {
  const entries = Object.entries(attributes)
  if (entries.length === 0) return '<p class="muted">No attributes.</p>'
  const rows = entries
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([key, value]) =>
        `<tr><th scope="row">${escapeHtml(key)}</th><td><code>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value))}</code></td></tr>`,
    )
  return `<table class="kv"><tbody>${rows.join('')}</tbody></table>`
}

function spanDetail(span: SpanRecord): string {
  const parts: string[] = []
  parts.push(
    `<p class="span-meta">${escapeHtml(span.kind)} span · start +${escapeHtml(formatMs(span.start_offset_ms))} ms · duration ${escapeHtml(formatMs(span.duration_ms))} ms · status ${escapeHtml(span.status)}${span.status_message ? `: ${escapeHtml(span.status_message)}` : ''} · span_id <code>${escapeHtml(span.span_id)}</code></p>`,
  )
  const exceptions = span.events.filter((e) => e.name === 'exception')
  for (const ex of exceptions) {
    const type = ex.attributes['exception.type']
    const message = ex.attributes['exception.message']
    const stack = ex.attributes['exception.stacktrace']
    parts.push(
      `<div class="exception"><strong>Exception${type !== undefined ? ` ${escapeHtml(type)}` : ''}</strong>${message !== undefined ? `: ${escapeHtml(message)}` : ''} <span class="muted">at +${escapeHtml(formatMs(ex.offset_ms))} ms</span>${stack !== undefined ? `<pre>${escapeHtml(stack)}</pre>` : ''}</div>`,
    )
  }
  parts.push(`<h5>Attributes</h5>${attributeTable(span.attributes)}`)
  if (span.events.length > 0) {
    const rows = span.events.map((e) => {
      const attrs = Object.entries(e.attributes)
        .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(typeof v === 'string' ? v : JSON.stringify(v))}`)
        .join(', ')
      return `<tr><td class="num">+${escapeHtml(formatMs(e.offset_ms))} ms</td><td>${escapeHtml(e.name)}</td><td><code>${attrs}</code></td></tr>`
    })
    parts.push(
      `<h5>Events</h5><table class="kv"><thead><tr><th>at</th><th>event</th><th>attributes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
    )
  }
  return parts.join('')
}

export function renderWaterfall(trace: TraceRecord): string {
  const rows = spanTree(trace)
  const shown = rows.slice(0, MAX_SPANS_PER_WATERFALL)
  const extentMs = Math.max(
    1e-3,
    ...trace.spans.map((s) => s.start_offset_ms + s.duration_ms),
    trace.duration_ms,
  )
  const html = shown.map(({ span, depth }) => {
    const left = (span.start_offset_ms / extentMs) * 100
    const width = Math.max(0.25, (span.duration_ms / extentMs) * 100)
    const classes = ['wf-bar', `kind-${span.kind}`, ...(span.status === 'error' ? ['is-error'] : [])]
    const service = span.attributes['peer.service']
    const events = span.events
      .map(
        (e) =>
          `<i class="wf-event${e.name === 'exception' ? ' is-exception' : ''}" style="left:${pct((e.offset_ms / extentMs) * 100)}" title="${escapeHtml(e.name)}"></i>`,
      )
      .join('')
    // The duration label sits right of the bar; left of it when the bar ends near the right
    // edge; inside it (at its end) when the bar spans nearly the whole track.
    const end = left + width
    const label =
      end <= 75
        ? { cls: '', style: `left:${pct(end)}` }
        : left >= 15
          ? { cls: ' left', style: `right:${pct(100 - left)}` }
          : { cls: ' inside', style: `right:${pct(100 - end)}` }
    return `<details class="wf-span${span.status === 'error' ? ' is-error' : ''}" data-span-id="${escapeHtml(span.span_id)}"><summary class="wf-row"><span class="wf-name" style="padding-left:${(depth * 14 + 4).toFixed(0)}px" title="${escapeHtml(span.name)}">${span.status === 'error' ? '<span class="err-dot" aria-label="error">●</span> ' : ''}${escapeHtml(span.name)}${service !== undefined ? ` <span class="svc">${escapeHtml(service)}</span>` : ''}</span><span class="wf-track"><span class="${classes.join(' ')}" style="left:${pct(left)};width:${pct(width)}"></span>${events}<span class="wf-dur${label.cls}" style="${label.style}">${escapeHtml(formatMs(span.duration_ms))} ms</span></span></summary><div class="span-detail">${spanDetail(span)}</div></details>`
  })
  const more =
    rows.length > shown.length
      ? `<p class="muted">${rows.length - shown.length} more spans not drawn (a waterfall draws at most ${MAX_SPANS_PER_WATERFALL}).</p>`
      : ''
  return `<div class="waterfall" role="list">${ruler(extentMs)}${html.join('')}</div>${more}`
}
