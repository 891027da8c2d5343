// The report page's own stylesheet and script, kept as real .css/.js files (so the formatter and
// linter check them) and inlined into each report like uPlot (src/report/html/inline-assets.ts).
import { readFileSync } from 'node:fs'

let cached: { css: string; js: string } | undefined

export function pageAssets(): { css: string; js: string } {
  cached ??= {
    css: readFileSync(new URL('./report.css', import.meta.url), 'utf8'),
    js: readFileSync(new URL('./report-client.js', import.meta.url), 'utf8'),
  }
  return cached
}
