// Issue 11 items 7 and 8 (the loader): size cap, duplicate keys named, reserved keys refused,
// symlink loops and binary files named for what they are, control characters never echoed raw.
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { UsageError, ValidationError } from '../../../src/errors.ts'
import { checkWritableDir } from '../../../src/report/write-report.ts'
import { loadScenario, MAX_SCENARIO_BYTES, parseScenarioText } from '../../../src/scenario/load-scenario.ts'

const dir = mkdtempSync(path.join(tmpdir(), 'loader-hardening-'))
const VALID = 'name: x\nrequests: [{ tenant: a, api_key: key-a, question: q }]\n'

function messageOf(run: () => unknown): string {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(2)
    return (error as Error).message
  }
  throw new Error('expected the input to be refused')
}

describe('the scenario loader', () => {
  it('refuses a file over 1 MiB before parsing it', () => {
    const file = path.join(dir, 'big.yaml')
    writeFileSync(file, `${VALID}description: "${'x'.repeat(MAX_SCENARIO_BYTES)}"\n`)
    const started = performance.now()
    expect(messageOf(() => loadScenario(file))).toMatch(/over the 1 MiB limit/)
    expect(performance.now() - started).toBeLessThan(2000)
  })

  it('names the duplicated key', () => {
    expect(messageOf(() => parseScenarioText(`${VALID}name: y\n`, 'x.yaml'))).toMatch(
      /x\.yaml:3:1: duplicate key "name"/,
    )
  })

  it('refuses __proto__ as a tenant or budget key instead of dropping it', () => {
    const text = `${VALID}tenants:\n  __proto__: { rate_limit: { rps: 1, burst: 1 } }\nbudgets:\n  __proto__: { p95: 1s }\n`
    const message = messageOf(() => parseScenarioText(text, 'x.yaml'))
    expect(message).toMatch(/x\.yaml:4:3: key "__proto__" is not allowed/)
    expect(message).toMatch(/x\.yaml:6:3: key "__proto__" is not allowed/)
  })

  it('says a symlink loop is a loop, not a missing file', () => {
    const a = path.join(dir, 'loop-a.yaml')
    const b = path.join(dir, 'loop-b.yaml')
    symlinkSync(b, a)
    symlinkSync(a, b)
    expect(messageOf(() => loadScenario(a))).toMatch(/symbolic link that leads back to itself/)
  })

  it('refuses binary content without echoing it', () => {
    const file = path.join(dir, 'binary.yaml')
    writeFileSync(file, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x00, 0x1b, 0x5b, 0x32, 0x4a]))
    const message = messageOf(() => loadScenario(file))
    expect(message).toMatch(/not UTF-8 text/)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for raw control characters
    expect(message).not.toMatch(/[\u0000\u001b]/)
  })

  it('prints control and bidi characters in a message as escapes', () => {
    const text = `${VALID}budgets:\n  "rag\\u202epipeline\\n| fake | row |": { p95: 1s }\n`
    const message = messageOf(() => parseScenarioText(text, 'x.yaml'))
    expect(message).toMatch(/without control characters/)
    expect(message.split('\n').slice(1).join('')).not.toMatch(/[\u202e\n]/)
    expect(message).toContain('\\u202e')
  })

  it('refuses a budget target with a newline (it would inject a row into summary.md)', () => {
    const text = `${VALID}budgets:\n  "rag_pipeline\\n| x |": { p95: 1s }\n`
    expect(() => parseScenarioText(text, 'x.yaml')).toThrow(ValidationError)
  })
})

describe('--out is checked before the run', () => {
  it('refuses a path under a regular file, and accepts a directory still to be made', async () => {
    const file = path.join(dir, 'a-file')
    writeFileSync(file, '')
    await expect(checkWritableDir(path.join(file, 'reports'))).rejects.toThrow(/is a file, not a directory/)
    await expect(checkWritableDir(path.join(dir, 'new', 'reports'))).resolves.toBeUndefined()
  })
})
