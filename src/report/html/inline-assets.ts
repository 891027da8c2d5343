// Third-party assets inlined into the self-contained HTML reports (no CDN, no network when the
// file is opened). uPlot was chosen as the chart library: about 50 KB minified, no
// dependencies, MIT, fast on time series, and it supports log scales.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
let cached: { uplotJs: string; uplotCss: string } | undefined

export function inlineAssets(): { uplotJs: string; uplotCss: string } {
  cached ??= {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }
  return cached
}

// Text safe inside <script>…</script>: JSON with '<' escaped so that no string in the data
// (a question, an exception message) can close the script element or open a comment.
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

export function escapeHtml(text: unknown): string {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!)
}
