// The "Streamed answers" section of report.html in headless Chromium, from a real short run of
// a streaming scenario: the figures table, goodput, and one SVG chart per latency figure with
// its budgets as markers (one budget built to pass, one built to fail).
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderHtml } from '../../src/report/render-html.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAS_BROWSER = existsSync(CHROMIUM)
const OUT_DIR = resolve('test-output/browser-stream')
const FAST = { latency: { fixed: '2ms' } }

describe.skipIf(!HAS_BROWSER)('the streamed-answers section in Chromium', () => {
  let browser: Browser
  let page: Page
  const consoleErrors: string[] = []

  beforeAll(async () => {
    const report = await runScenario({
      name: 'stream-browser',
      load: { connections: 2, duration: '2s', warmup: '300ms' },
      requests: [{ tenant: 'acme', api_key: 'key-acme', question: 'q', stream: true }],
      dependencies: {
        auth: FAST,
        embedding: FAST,
        vector_store: FAST,
        reranker: FAST,
        llm: {
          latency: {
            tokens: { ttft: { fixed: '50ms' }, per_token: '5ms', output_tokens: { min: 10, max: 10 } },
          },
        },
      },
      // TTFT ≈ 60 ms against 5 s: passes; every gap is ≥ 5 ms against 1 ms: fails.
      budgets: { ttft: { p50: '5s' }, itl: { p50: '1ms' }, goodput: { min: '50%', slo: { ttft: '5s' } } },
    })
    await mkdir(OUT_DIR, { recursive: true })
    const file = join(OUT_DIR, 'report.html')
    await writeFile(file, renderHtml(report), 'utf8')
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] })
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage()
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text())
    })
    page.on('pageerror', (error) => consoleErrors.push(error.message))
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
  })

  afterAll(async () => {
    await browser?.close()
  })

  it('shows the figures table and goodput without console errors', async () => {
    await expect(page.locator('#streaming').isVisible()).resolves.toBe(true)
    const names = await page.locator('#stream-figures tbody td.key').allTextContents()
    expect(names).toEqual([
      'TTFT (client) (ms)',
      'ITL (pooled gaps) (ms)',
      'TPOT (per request) (ms)',
      'output tokens/s (tok/s)',
      'TTFT (server, llm_generation) (ms)',
    ])
    await expect(page.locator('#streaming .stream-fact').first().textContent()).resolves.toMatch(
      /^Goodput \(ttft ≤ 5000 ms\): 100\.0%/,
    )
    expect(consoleErrors).toEqual([])
  })

  it('draws a chart per latency figure, with the budgets as pass and fail markers', async () => {
    for (const id of ['ttft', 'itl', 'tpot', 'server-ttft']) {
      const chart = page.locator(`#chart-stream-${id} svg`)
      await expect(chart.isVisible(), id).resolves.toBe(true)
      await expect(chart.locator('rect.stream-bar').count(), id).resolves.toBe(4)
      const box = await chart.boundingBox()
      expect(box!.width, id).toBeGreaterThan(200)
    }
    await expect(page.locator('#chart-stream-ttft line.budget-marker.pass').count()).resolves.toBe(1)
    await expect(page.locator('#chart-stream-itl line.budget-marker.fail').count()).resolves.toBe(1)
    // The failed ITL budget's marker sits left of the p50 bar's end: the bar crosses it.
    const marker = await page.locator('#chart-stream-itl line.budget-marker').boundingBox()
    const bar = await page.locator('#chart-stream-itl rect[data-percentile="p50"]').boundingBox()
    expect(marker!.x).toBeLessThan(bar!.x + bar!.width)
  })
})
