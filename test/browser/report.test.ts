// report.html in a real headless Chromium (Debian's `chromium`, driven by playwright-core with
// executablePath; no browser is downloaded). A real short run through the programmatic API:
// the fixture's only question is an XSS probe, recorded on the rag_pipeline span.
// Without a browser the test is skipped, except under CI, where it fails: the report's
// browser behaviour must be checked on every CI run.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderHtml, SECTION_IDS } from '../../src/report/render-html.ts'
import type { Report } from '../../src/report/report-types.ts'
import { runScenario } from '../../src/run/run-scenario.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const HAS_BROWSER = existsSync(CHROMIUM)
const IN_CI = Boolean(process.env.CI)
const FIXTURE = resolve('test/fixtures/scenarios/good/xss-report.yaml')
const OUT_DIR = resolve('test-output/browser')
const XSS = '<img src=x onerror=alert(1)>'

describe.runIf(!HAS_BROWSER && IN_CI)('report.html in Chromium (CI)', () => {
  it('finds Chromium', () => {
    throw new Error(
      `Failed to find Chromium at ${CHROMIUM}: the browser test must run in CI. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`,
    )
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

    it('saves a screenshot', async () => {
      const path = join(OUT_DIR, 'report.png')
      await page.screenshot({ path, fullPage: true })
      expect(existsSync(path)).toBe(true)
    })
  },
)
