import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { trust } from '../../../src/scenario/schema.ts'
import { evaluateTrust, type Guard, type TrustInputs } from '../../../src/trust/trust-guards.ts'

// The schema's defaults; the first test pins them to the README's table.
const DEFAULTS = trust.parse({})
const EPS = 1e-9

// Every figure comfortably inside its guard.
function healthy(): TrustInputs {
  return {
    endpointLoopDelayP99Ms: 2,
    endpointCpuShare: 0.3,
    driverLoopDelayP99Ms: 2,
    driverCpuShare: 0.2,
    open: { targetRatePerSec: 100, achievedRatePerSec: 100, scheduled: 1000, late: 0, dropped: 0 },
    spansStarted: 500,
    spansEnded: 500,
    tracesEvicted: 0,
    accountingOk: true,
    fidelity: [
      { dependency: 'embedding', excessP50Ms: 1, excessP99Ms: 3 },
      { dependency: 'llm', excessP50Ms: 1.5, excessP99Ms: 4 },
    ],
    gapP50Ms: 1,
    responsesMeasured: 1000,
  }
}

const failing = (guards: Guard[]) => guards.filter((g) => !g.pass).map((g) => g.name)
const byName = (guards: Guard[], name: string) => {
  const found = guards.find((g) => g.name === name)
  if (!found) throw new Error(`no guard named ${name}`)
  return found
}

describe('evaluateTrust', () => {
  it('has the README defaults', () => {
    expect(DEFAULTS).toEqual({
      endpointLoopDelayP99Ms: 10,
      driverLoopDelayP99Ms: 10,
      endpointCpuShare: 0.75,
      driverCpuShare: 0.75,
      minRateRatio: 0.95,
      maxLateRatio: 0.01,
      maxDroppedRatio: 0,
      mocksLoopDelayP99Ms: 10,
      mocksCpuShare: 0.75,
      fidelityExcessP50Ms: 2,
      fidelityExcessP99Ms: 20,
      gapP50Ms: 3,
    })
  })

  it('passes every guard of a healthy open-model run, with the reason that says so', () => {
    const guards = evaluateTrust(healthy(), DEFAULTS)
    expect(guards.map((g) => g.name)).toEqual([
      'endpoint event-loop delay p99',
      'endpoint CPU (share of one core)',
      'driver event-loop delay p99',
      'driver CPU (share of one core)',
      'achieved / target rate',
      'late sends',
      'dropped sends',
      'spans started − ended',
      'request accounting',
      'mock fidelity: excess p50 (worst dependency)',
      'mock fidelity: excess p99 (worst dependency)',
      'client − server gap p50',
      'responses measured',
    ])
    expect(failing(guards)).toEqual([])
    expect(byName(guards, 'late sends').reason).toBe('requests left on schedule')
  })

  it('gives each guard its unit, comparison, threshold and, when it passes, the reason it says', () => {
    const table = evaluateTrust(healthy(), DEFAULTS).map((g) => [
      g.name,
      g.unit,
      g.comparison,
      g.threshold,
      g.reason,
    ])
    expect(table).toEqual([
      ['endpoint event-loop delay p99', 'ms', '<=', 10, 'the endpoint process kept up'],
      ['endpoint CPU (share of one core)', 'ratio', '<=', 0.75, 'the endpoint process had CPU to spare'],
      ['driver event-loop delay p99', 'ms', '<=', 10, 'the load driver kept up'],
      ['driver CPU (share of one core)', 'ratio', '<=', 0.75, 'the load driver had CPU to spare'],
      ['achieved / target rate', 'ratio', '>=', 0.95, 'the driver sent at the rate asked for'],
      ['late sends', 'ratio', '<=', 0.01, 'requests left on schedule'],
      ['dropped sends', 'ratio', '<=', 0, 'no request was dropped'],
      ['spans started − ended', 'count', '<=', 0, 'every span that started ended and was collected'],
      ['request accounting', 'count', '>=', 1, 'every request is accounted for'],
      [
        'mock fidelity: excess p50 (worst dependency)',
        'ms',
        '<=',
        2,
        'mocked calls took the latency they were given',
      ],
      [
        'mock fidelity: excess p99 (worst dependency)',
        'ms',
        '<=',
        20,
        'mock tails stayed close to their model',
      ],
      ['client − server gap p50', 'ms', '<=', 3, 'the client saw what the server measured'],
      ['responses measured', 'count', '>=', 1, '1000 responses after warm-up'],
    ])
  })

  it('leaves out the open-model guards in the closed model and the fidelity guards without mocked calls', () => {
    const { open: _open, ...closed } = healthy()
    const guards = evaluateTrust({ ...closed, fidelity: [] }, DEFAULTS)
    expect(guards.map((g) => g.name)).toEqual([
      'endpoint event-loop delay p99',
      'endpoint CPU (share of one core)',
      'driver event-loop delay p99',
      'driver CPU (share of one core)',
      'spans started − ended',
      'request accounting',
      'client − server gap p50',
      'responses measured',
    ])
  })

  // Each case: the guard, the input at its threshold (passes) and just across it (fails alone).
  const cases: {
    guard: string
    at: (i: TrustInputs) => TrustInputs
    across: (i: TrustInputs) => TrustInputs
    figureAcross: number
    reason: RegExp
  }[] = [
    {
      guard: 'endpoint event-loop delay p99',
      at: (i) => ({ ...i, endpointLoopDelayP99Ms: 10 }),
      across: (i) => ({ ...i, endpointLoopDelayP99Ms: 10 + EPS }),
      figureAcross: 10 + EPS,
      reason: /endpoint's event loop was delayed 10\.0 ms at p99/,
    },
    {
      guard: 'endpoint CPU (share of one core)',
      at: (i) => ({ ...i, endpointCpuShare: 0.75 }),
      across: (i) => ({ ...i, endpointCpuShare: 0.75 + EPS }),
      figureAcross: 0.75 + EPS,
      reason: /endpoint process used 75\.0% of a core/,
    },
    {
      guard: 'driver event-loop delay p99',
      at: (i) => ({ ...i, driverLoopDelayP99Ms: 10 }),
      across: (i) => ({ ...i, driverLoopDelayP99Ms: 10 + EPS }),
      figureAcross: 10 + EPS,
      reason: /load driver's event loop was delayed 10\.0 ms/,
    },
    {
      guard: 'driver CPU (share of one core)',
      at: (i) => ({ ...i, driverCpuShare: 0.75 }),
      across: (i) => ({ ...i, driverCpuShare: 0.75 + EPS }),
      figureAcross: 0.75 + EPS,
      reason: /load driver used 75\.0% of a core/,
    },
    {
      guard: 'achieved / target rate',
      at: (i) => ({ ...i, open: { ...i.open!, achievedRatePerSec: 95 } }),
      across: (i) => ({ ...i, open: { ...i.open!, achievedRatePerSec: 95 - 1e-6 } }),
      figureAcross: (95 - 1e-6) / 100,
      reason: /sent 95\.0 req\/s of the 100\.0 req\/s asked for/,
    },
    {
      guard: 'late sends',
      at: (i) => ({ ...i, open: { ...i.open!, late: 10 } }),
      across: (i) => ({ ...i, open: { ...i.open!, late: 11 } }),
      figureAcross: 0.011,
      reason: /^11 of 1000 requests were sent late/,
    },
    {
      guard: 'dropped sends',
      at: (i) => i,
      across: (i) => ({ ...i, open: { ...i.open!, dropped: 1 } }),
      figureAcross: 0.001,
      reason: /^1 of 1000 requests were dropped/,
    },
    {
      guard: 'spans started − ended',
      at: (i) => i,
      across: (i) => ({ ...i, spansEnded: 499 }),
      figureAcross: 1,
      reason: /^1 spans never ended and 0 traces were evicted/,
    },
    {
      guard: 'request accounting',
      at: (i) => i,
      across: (i) => ({ ...i, accountingOk: false }),
      figureAcross: 0,
      reason: /do not add up/,
    },
    {
      guard: 'mock fidelity: excess p50 (worst dependency)',
      at: (i) => ({
        ...i,
        fidelity: [...i.fidelity, { dependency: 'auth', excessP50Ms: 2, excessP99Ms: 1 }],
      }),
      across: (i) => ({
        ...i,
        fidelity: [...i.fidelity, { dependency: 'auth', excessP50Ms: 2 + EPS, excessP99Ms: 1 }],
      }),
      figureAcross: 2 + EPS,
      reason: /mocked auth took 2\.0 ms longer/,
    },
    {
      guard: 'mock fidelity: excess p99 (worst dependency)',
      at: (i) => ({
        ...i,
        fidelity: [...i.fidelity, { dependency: 'reranker', excessP50Ms: 0, excessP99Ms: 20 }],
      }),
      across: (i) => ({
        ...i,
        fidelity: [...i.fidelity, { dependency: 'reranker', excessP50Ms: 0, excessP99Ms: 20 + EPS }],
      }),
      figureAcross: 20 + EPS,
      reason: /mocked reranker took up to 20\.0 ms longer than drawn at p99/,
    },
    {
      guard: 'responses measured',
      at: (i) => ({ ...i, responsesMeasured: 1 }),
      across: (i) => ({ ...i, responsesMeasured: 0 }),
      figureAcross: 0,
      reason: /^no response arrived after warm-up/,
    },
    {
      guard: 'client − server gap p50',
      at: (i) => ({ ...i, gapP50Ms: 3 }),
      across: (i) => ({ ...i, gapP50Ms: 3 + EPS }),
      figureAcross: 3 + EPS,
      reason: /responses took 3\.0 ms longer at the client/,
    },
  ]

  it.each(cases)('$guard: passes at its threshold and fails alone just across it', (c) => {
    expect(failing(evaluateTrust(c.at(healthy()), DEFAULTS))).toEqual([])
    const guards = evaluateTrust(c.across(healthy()), DEFAULTS)
    expect(failing(guards)).toEqual([c.guard])
    const g = byName(guards, c.guard)
    expect(g.figure).toBeCloseTo(c.figureAcross, 12)
    expect(g.reason).toMatch(c.reason)
  })

  it('counts evicted traces as missing spans', () => {
    const guards = evaluateTrust({ ...healthy(), tracesEvicted: 2 }, DEFAULTS)
    expect(failing(guards)).toEqual(['spans started − ended'])
    expect(byName(guards, 'spans started − ended').figure).toBe(2)
    expect(byName(guards, 'spans started − ended').reason).toMatch(
      /^0 spans never ended and 2 traces were evicted/,
    )
  })

  it('takes the worst dependency separately for p50 and p99', () => {
    const guards = evaluateTrust(
      {
        ...healthy(),
        fidelity: [
          { dependency: 'embedding', excessP50Ms: 9, excessP99Ms: 12 },
          { dependency: 'llm', excessP50Ms: 3, excessP99Ms: 30 },
          { dependency: 'auth', excessP50Ms: 1, excessP99Ms: 2 },
        ],
      },
      DEFAULTS,
    )
    expect(byName(guards, 'mock fidelity: excess p50 (worst dependency)')).toMatchObject({
      figure: 9,
      threshold: 2,
      pass: false,
    })
    expect(byName(guards, 'mock fidelity: excess p50 (worst dependency)').reason).toMatch(/mocked embedding/)
    expect(byName(guards, 'mock fidelity: excess p99 (worst dependency)')).toMatchObject({
      figure: 30,
      pass: false,
    })
    expect(byName(guards, 'mock fidelity: excess p99 (worst dependency)').reason).toMatch(/mocked llm/)
  })

  it('does not judge figures that were not measured', () => {
    const guards = evaluateTrust({ ...healthy(), gapP50Ms: null }, { ...DEFAULTS, gapP50Ms: 0 })
    expect(byName(guards, 'client − server gap p50')).toMatchObject({ figure: null, pass: true })
  })

  it('treats a target rate of 0 and an empty schedule as on time', () => {
    const guards = evaluateTrust(
      {
        ...healthy(),
        open: { targetRatePerSec: 0, achievedRatePerSec: 0, scheduled: 0, late: 0, dropped: 0 },
      },
      DEFAULTS,
    )
    expect(byName(guards, 'achieved / target rate').figure).toBe(1)
    expect(byName(guards, 'late sends').figure).toBe(0)
    expect(byName(guards, 'dropped sends').figure).toBe(0)
    expect(failing(guards)).toEqual([])
  })

  it('applies thresholds overridden in the scenario', () => {
    const strict = trust.parse({ event_loop_delay_p99: '1ms', max_dropped_ratio: 0.01, min_rate_ratio: 0.99 })
    const guards = evaluateTrust(
      { ...healthy(), open: { ...healthy().open!, dropped: 10, achievedRatePerSec: 98 } },
      strict,
    )
    expect(failing(guards)).toEqual(['endpoint event-loop delay p99', 'achieved / target rate'])
    expect(byName(guards, 'endpoint event-loop delay p99')).toMatchObject({
      threshold: 1,
      unit: 'ms',
      comparison: '<=',
    })
    expect(byName(guards, 'achieved / target rate')).toMatchObject({
      threshold: 0.99,
      unit: 'ratio',
      comparison: '>=',
    })
  })
})

describe('evaluateTrust: the mock servers processes', () => {
  const withMocks = (mocks: TrustInputs['mocks']): TrustInputs => ({ ...healthy(), mocks })
  const healthyMocks = [
    { cpuShare: 0.2, loopDelayP99Ms: 2 },
    { cpuShare: 0.1, loopDelayP99Ms: 1 },
  ]

  it('adds their two guards after the driver, passing, only when there are mock processes', () => {
    const guards = evaluateTrust(withMocks(healthyMocks), DEFAULTS)
    expect(guards.map((g) => g.name).slice(4, 6)).toEqual([
      'mock servers event-loop delay p99',
      'mock servers CPU (share of one core)',
    ])
    expect(failing(guards)).toEqual([])
    expect(byName(guards, 'mock servers CPU (share of one core)')).toMatchObject({
      figure: 0.2,
      threshold: 0.75,
      unit: 'ratio',
      comparison: '<=',
      reason: 'the mock servers had CPU to spare',
    })
    expect(evaluateTrust(withMocks([]), DEFAULTS).map((g) => g.name)).not.toContain(
      'mock servers CPU (share of one core)',
    )
  })

  it('judges the busiest process, at the threshold and just across it, each guard failing alone', () => {
    const at = evaluateTrust(withMocks([...healthyMocks, { cpuShare: 0.75, loopDelayP99Ms: 10 }]), DEFAULTS)
    expect(failing(at)).toEqual([])
    const slow = evaluateTrust(
      withMocks([...healthyMocks, { cpuShare: 0.1, loopDelayP99Ms: 10 + EPS }]),
      DEFAULTS,
    )
    expect(failing(slow)).toEqual(['mock servers event-loop delay p99'])
    expect(byName(slow, 'mock servers event-loop delay p99').reason).toMatch(
      /mock servers' event loop was delayed 10\.0 ms at p99.*raise mocks\.processes/,
    )
    const busy = evaluateTrust(
      withMocks([{ cpuShare: 0.75 + EPS, loopDelayP99Ms: 1 }, ...healthyMocks]),
      DEFAULTS,
    )
    expect(failing(busy)).toEqual(['mock servers CPU (share of one core)'])
    expect(byName(busy, 'mock servers CPU (share of one core)').reason).toMatch(/used 75\.0% of a core/)
  })
})

// Any inputs the run can produce, against any thresholds the scenario schema accepts. Seeded.
describe('evaluateTrust: properties over any inputs', () => {
  const figure = fc.double({ min: 0, max: 1e4, noNaN: true })
  const share = fc.double({ min: 0, max: 1, noNaN: true })
  const count = fc.nat({ max: 100_000 })
  const inputs: fc.Arbitrary<TrustInputs> = fc.record(
    {
      endpointLoopDelayP99Ms: figure,
      endpointCpuShare: fc.double({ min: 0, max: 2, noNaN: true }),
      driverLoopDelayP99Ms: figure,
      driverCpuShare: fc.double({ min: 0, max: 2, noNaN: true }),
      mocks: fc.array(fc.record({ cpuShare: share, loopDelayP99Ms: figure }), { maxLength: 4 }),
      open: fc.record({
        targetRatePerSec: figure,
        achievedRatePerSec: figure,
        scheduled: count,
        late: count,
        dropped: count,
      }),
      spansStarted: count,
      spansEnded: count,
      tracesEvicted: count,
      accountingOk: fc.boolean(),
      fidelity: fc.array(
        fc.record({
          dependency: fc.constantFrom('embedding', 'llm', 'auth'),
          excessP50Ms: figure,
          excessP99Ms: figure,
        }),
        { maxLength: 4 },
      ),
      gapP50Ms: fc.option(figure, { nil: null }),
      responsesMeasured: count,
    },
    {
      requiredKeys: [
        'endpointLoopDelayP99Ms',
        'endpointCpuShare',
        'driverLoopDelayP99Ms',
        'driverCpuShare',
        'spansStarted',
        'spansEnded',
        'tracesEvicted',
        'accountingOk',
        'fidelity',
        'gapP50Ms',
        'responsesMeasured',
      ],
    },
  )
  const thresholds = fc.record({
    endpointLoopDelayP99Ms: figure,
    driverLoopDelayP99Ms: figure,
    endpointCpuShare: share,
    driverCpuShare: share,
    minRateRatio: share,
    maxLateRatio: share,
    maxDroppedRatio: share,
    mocksLoopDelayP99Ms: figure,
    mocksCpuShare: share,
    fidelityExcessP50Ms: figure,
    fidelityExcessP99Ms: figure,
    gapP50Ms: figure,
  })
  const healthyReasons = new Map(
    evaluateTrust({ ...healthy(), mocks: [{ cpuShare: 0, loopDelayP99Ms: 0 }] }, DEFAULTS).map((g) => [
      g.name,
      g.reason,
    ]),
  )

  it('passes a guard exactly when its figure is unmeasured or on the right side of its threshold', () => {
    fc.assert(
      fc.property(inputs, thresholds, (i, t) => {
        for (const g of evaluateTrust(i, t)) {
          const within =
            g.figure === null || (g.comparison === '<=' ? g.figure <= g.threshold : g.figure >= g.threshold)
          expect(g.pass, g.name).toBe(within)
        }
      }),
      { seed: 12, numRuns: 300 },
    )
  })

  it('never fails a figure that was not measured, however strict the threshold', () => {
    fc.assert(
      fc.property(inputs, thresholds, (i, t) => {
        const gap = byName(
          evaluateTrust({ ...i, gapP50Ms: null }, { ...t, gapP50Ms: 0 }),
          'client − server gap p50',
        )
        expect(gap).toMatchObject({
          figure: null,
          pass: true,
          reason: 'the client saw what the server measured',
        })
      }),
      { seed: 12, numRuns: 100 },
    )
  })

  it('says each reason in plain words: no code names, no NaN or undefined, a failure never reads as a pass', () => {
    fc.assert(
      fc.property(inputs, thresholds, (i, t) => {
        const guards = evaluateTrust(i, t)
        expect(new Set(guards.map((g) => g.name)).size).toBe(guards.length)
        for (const g of guards) {
          expect(g.reason.length, g.name).toBeGreaterThan(10)
          expect(g.reason, g.name).not.toMatch(/NaN|undefined|null|Infinity|\[object|\b[a-z]+[A-Z]\w*/)
          if (!g.pass) expect(g.reason, g.name).not.toBe(healthyReasons.get(g.name))
        }
      }),
      { seed: 12, numRuns: 300 },
    )
  })
})
