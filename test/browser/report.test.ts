// report.html in a real headless Chromium (Debian's `chromium`, driven by playwright-core with
// executablePath; no browser is downloaded). A real short run through the programmatic API:
// the fixture's only question is an XSS probe, recorded on the rag_pipeline span.
// Without a browser the test is skipped, except under CI (CI set, as GitHub Actions and .ci/run
// do), where it fails: the report's browser behaviour must be checked on every CI run.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Report } from '../../src/contract/report-types.ts'
import { renderHtml, SECTION_IDS } from '../../src/report/render-html.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAS_BROWSER = existsSync(CHROMIUM)
const IN_CI = Boolean(process.env.CI) && process.env.CI !== 'false'
const FIXTURE = resolve('test/fixtures/scenarios/good/xss-report.yaml')
const OUT_DIR = resolve('test-output/browser')
const XSS = '<img src=x onerror=alert(1)>'

describe('Chromium for the browser tests', () => {
  it('is installed (required under CI, where a skip would hide the browser checks)', (context) => {
    if (!HAS_BROWSER && !IN_CI) context.skip()
    expect(
      HAS_BROWSER,
      `Failed to find Chromium at ${CHROMIUM}: the browser test must run in CI. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
    ).toBe(true)
  })
})

describe.skipIf(!HAS_BROWSER)(
  `report.html in Chromium${HAS_BROWSER ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium, or set CHROMIUM_PATH)`}`,
  () => {
    let browser: Browser
    let page: Page
    let report: Report
    let fileUrl: string
    const consoleErrors: string[] = []
    const requests: string[] = []
    const dialogs: string[] = []

    beforeAll(async () => {
      report = await runScenario(FIXTURE)
      const html = renderHtml(report)
      await mkdir(OUT_DIR, { recursive: true })
      const file = join(OUT_DIR, 'report.html')
      await writeFile(file, html, 'utf8')
      await writeFile(join(OUT_DIR, 'report.json'), JSON.stringify(report, null, 2), 'utf8')
      fileUrl = pathToFileURL(file).href

      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
          '--disable-sync',
        ],
      })
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
      page = await context.newPage()
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text())
      })
      page.on('pageerror', (error) => consoleErrors.push(error.message))
      page.on('request', (request) => requests.push(request.url()))
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message())
        void dialog.dismiss()
      })
      await page.goto(fileUrl, { waitUntil: 'load' })
      // Charts are drawn synchronously by the page's script; wait for one to be sure.
      await page.locator('#chart-stage-percentiles .uplot').waitFor({ timeout: 10_000 })
    })

    afterAll(async () => {
      await browser?.close()
    })

    it('opens without console errors', () => {
      expect(consoleErrors).toEqual([])
    })

    it('makes no network request but the file itself', () => {
      expect(requests).toEqual([fileUrl])
    })

    it('shows every section', async () => {
      for (const id of SECTION_IDS) await expect(page.locator(`#${id}`).isVisible(), id).resolves.toBe(true)
      await expect(page.locator('#verdict .badge').textContent()).resolves.toMatch(/^(PASS|FAIL|UNTRUSTED)$/)
    })

    it('draws the charts', async () => {
      for (const id of ['chart-stage-percentiles', 'chart-stage-ladder', 'chart-throughput', 'chart-latency'])
        await expect(page.locator(`#${id} canvas`).count(), id).resolves.toBe(1)
      await expect(page.locator('#stage-histograms .uplot').count()).resolves.toBeGreaterThan(0)
    })

    it('shows a span’s attributes when it is clicked in a waterfall', async () => {
      const span = page.locator('#exemplars details.wf-span', { hasText: 'rag_pipeline' }).first()
      const detail = span.locator('.span-detail')
      await expect(detail.isVisible()).resolves.toBe(false)
      await span.locator('summary').click()
      await expect(detail.isVisible()).resolves.toBe(true)
      const text = (await detail.textContent()) ?? ''
      expect(text).toMatch(/attributes/i)
      expect(text).toContain('tenant_id')
      expect(text).toContain('question')
      expect(text).toContain(XSS)
    })

    it('shows the exception of an error span', async () => {
      const errorSpan = page.locator('#exemplars details.wf-span.is-error').first()
      await errorSpan.locator('summary').click()
      await expect(errorSpan.locator('.exception').textContent()).resolves.toMatch(
        /Exception UpstreamServerError/,
      )
    })

    it('renders the XSS question as text and opens no dialog', async () => {
      // The question appears as text in the opened span detail, and no <img> element exists.
      await expect(page.getByText(XSS, { exact: true }).first().isVisible()).resolves.toBe(true)
      await expect(page.locator('img').count()).resolves.toBe(0)
      await page.waitForTimeout(200)
      expect(dialogs).toEqual([])
    })

    it('never shows the API key', async () => {
      const html = await page.content()
      expect(html).not.toContain('sk-test-DO-NOT-LEAK')
    })

    it('is readable without JavaScript: verdict and budgets are server-rendered', async () => {
      const context = await browser.newContext({ javaScriptEnabled: false })
      const noJs = await context.newPage()
      await noJs.goto(fileUrl)
      await expect(noJs.locator('#verdict h1').textContent()).resolves.toContain('xss-report')
      await expect(noJs.locator('#budgets tbody tr').count()).resolves.toBe(report.budgets.length)
      await expect(noJs.locator('.uplot').count()).resolves.toBe(0)
      await context.close()
    })

    it('saves a screenshot that shows the report', async () => {
      const path = join(OUT_DIR, 'report.png')
      const png = await page.screenshot({ path, fullPage: true })
      expect(existsSync(path)).toBe(true)
      // The whole page, at the viewport's width: PNG's IHDR holds width and height (bytes 16–23).
      const scrollHeight = await page.evaluate<number>('document.documentElement.scrollHeight')
      expect(png.readUInt32BE(16)).toBe(1280)
      expect(png.readUInt32BE(20)).toBe(scrollHeight)
      // Decoded by the browser in a blank page: the picture is not one flat colour but text and
      // charts: many colours, and a good share of pixels differ from the page background.
      const blank = await browser.newPage()
      // In-page code as a string: the project's TypeScript has no DOM types.
      const seen = await blank.evaluate<{ colours: number; differingShare: number }>(`(async () => {
        const image = new Image()
        image.src = 'data:image/png;base64,${png.toString('base64')}'
        await image.decode()
        const canvas = document.createElement('canvas')
        canvas.width = image.width
        canvas.height = image.height
        const context = canvas.getContext('2d')
        context.drawImage(image, 0, 0)
        const { data } = context.getImageData(0, 0, image.width, image.height)
        const background = data[0] + ',' + data[1] + ',' + data[2]
        const colours = new Set()
        let differing = 0
        let sampled = 0
        // Every 16th pixel is plenty for these shares and keeps the loop short.
        for (let i = 0; i < data.length; i += 64) {
          sampled++
          const colour = data[i] + ',' + data[i + 1] + ',' + data[i + 2]
          colours.add(colour)
          if (colour !== background) differing++
        }
        return { colours: colours.size, differingShare: differing / sampled }
      })()`)
      await blank.close()
      expect(seen.colours).toBeGreaterThan(50)
      expect(seen.differingShare).toBeGreaterThan(0.02)
    })

    it('draws lines on the chart canvases, not just empty frames', async () => {
      const inked = await page.evaluate<number[]>(`[
        ...document.querySelectorAll('#chart-stage-percentiles canvas, #chart-latency canvas'),
      ].map((canvas) => {
        const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height)
        let opaque = 0
        for (let i = 3; i < data.length; i += 4) if (data[i] > 0) opaque++
        return opaque
      })`)
      expect(inked).toHaveLength(2)
      for (const pixels of inked) expect(pixels).toBeGreaterThan(500)
    })
    it('draws the capacity section (latency against offered rate, budget lines, the knee) and predicted vs measured', async () => {
      // The section is drawn from report.capacity alone; the steps here are this run's own
      // stage figures at three made-up rates (the search itself is tested in
      // test/integration/capacity.test.ts), so the page is the real renderer's output.
      const stats = report.stages.rag_pipeline!
      const step = (rate: number, verdict: 'pass' | 'fail', scale: number) => ({
        rate_rps: rate,
        achieved_rps: rate,
        reason: 'geometric' as const,
        seed: 1,
        duration_s: 5,
        verdict,
        trusted: true,
        untrusted_reasons: [],
        budgets_failed:
          verdict === 'fail'
            ? [{ target: 'rag_pipeline', metric: 'p95', limit: 400, actual: 900, verdict: 'fail' as const }]
            : [],
        stages: {
          rag_pipeline: {
            count: 200,
            p50_ms: stats.p50_ms * scale,
            p95_ms: stats.p95_ms * scale,
            p99_ms: stats.p99_ms * scale,
          },
        },
      })
      const withCapacity: Report = {
        ...report,
        capacity: {
          rate_rps: 20,
          interval_rps: [20, 40],
          limited_by: { target: 'rag_pipeline', metric: 'p95' },
          instrument_ceiling_rps: null,
          status: 'complete',
          config: { from_rps: 10, to_rps: 500, step_s: 5, warmup_s: 3, precision: 0.05, time_limit_s: 900 },
          elapsed_s: 30,
          notes: [],
          method: ['test'],
          limits: [{ target: 'rag_pipeline', metric: 'p95', limit: stats.p95_ms * 2 }],
          steps: [step(10, 'pass', 1), step(20, 'pass', 1.2), step(40, 'fail', 4)],
        },
        what_if: [
          {
            change: 'reranker=0.5x',
            stage: 'rag_pipeline',
            metric: 'p50',
            baseline_ms: stats.p50_ms,
            predicted_ms: stats.p50_ms - 20,
            measured_ms: stats.p50_ms - 19.5,
            measured_ci_ms: [stats.p50_ms - 21, stats.p50_ms - 18],
            baseline_ci_ms: [stats.p50_ms - 1, stats.p50_ms + 1],
            measured_change_ci_ms: [-22, -17],
            agrees: true,
            spans: 300,
            rerun_trusted: true,
          },
        ],
      }
      const file = join(OUT_DIR, 'report-capacity.html')
      await writeFile(file, renderHtml(withCapacity), 'utf8')
      const capacityPage = await browser.newPage()
      const errors: string[] = []
      capacityPage.on('pageerror', (error) => errors.push(error.message))
      await capacityPage.goto(pathToFileURL(file).href, { waitUntil: 'load' })
      const section = capacityPage.locator('#capacity')
      await expect(section.isVisible()).resolves.toBe(true)
      await expect(section.locator('.capacity-answer').textContent()).resolves.toMatch(
        /Capacity 20 req\/s, between 20 and 40 req\/s; first to break above it: rag_pipeline p95/,
      )
      const chart = section.locator('figure.capacity-chart[data-stage="rag_pipeline"] svg')
      await expect(chart.isVisible()).resolves.toBe(true)
      await expect(chart.locator('polyline').count()).resolves.toBe(3)
      await expect(chart.locator('line.budget-line').count()).resolves.toBe(1)
      await expect(chart.locator('line.knee').count()).resolves.toBe(1)
      const box = await chart.boundingBox()
      expect(box!.width).toBeGreaterThan(200)
      await expect(section.locator('tbody tr').count()).resolves.toBe(3)
      const whatIf = capacityPage.locator('#what-if table.what-if tbody tr')
      await expect(whatIf.count()).resolves.toBe(1)
      await expect(whatIf.first().textContent()).resolves.toMatch(/reranker=0\.5x.*rag_pipeline.*p50.*agrees/)
      expect(errors).toEqual([])
      await capacityPage.close()
    })
  },
)
