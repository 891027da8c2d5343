// The report page's script: progressive enhancement only. Verdict, tables and waterfalls are
// plain HTML; this draws the charts with uPlot (inlined before this script) from the JSON in
// #report-data and adds "expand all" to the waterfalls. It makes no network requests (the
// page's Content-Security-Policy forbids them anyway).
;(() => {
  const dataEl = document.getElementById('report-data')
  if (!dataEl || typeof uPlot === 'undefined') return
  const data = JSON.parse(dataEl.textContent || '{}')
  document.documentElement.classList.add('js')

  const PALETTE = [
    '#4a7bd0',
    '#e0a030',
    '#c62828',
    '#2a9d8f',
    '#8e5bd0',
    '#6c7a89',
    '#d0608e',
    '#3c9d3c',
    '#a0522d',
    '#1d2330',
    '#17becf',
    '#bcbd22',
  ]
  const PCT = { p50: '#4a7bd0', p95: '#e0a030', p99: '#c62828' }
  const charts = []

  function fmtMs(v) {
    if (v === null || v === undefined || !Number.isFinite(v)) return '–'
    const a = Math.abs(v)
    if (a >= 100) return v.toFixed(0)
    if (a >= 10) return v.toFixed(1)
    if (a >= 0.1) return v.toFixed(2)
    return v.toPrecision(2)
  }

  // Log axes pass null for the minor ticks they leave unlabelled.
  function msTicks(_u, splits) {
    return splits.map((v) => (v === null || v === undefined ? '' : fmtMs(v)))
  }

  // Grid lines and ticks on decades only: a log axis with every minor line is a grey band.
  function decades(_u, splits) {
    return splits.map((v) => (v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 ? v : null))
  }
  const LOG_AXIS = { grid: { filter: decades }, ticks: { filter: decades } }

  function plotWidth(el) {
    return Math.max(260, Math.floor(el.getBoundingClientRect().width))
  }

  function mount(id, makeOpts, chartData) {
    const fig = document.getElementById(id)
    if (!fig) return
    const el = fig.querySelector('.plot')
    if (!el) return
    const opts = makeOpts()
    const u = new uPlot({ ...opts, width: plotWidth(el) }, chartData, el)
    charts.push({ u, el, height: opts.height })
  }

  // Shades the warm-up on time charts: its intervals are sent but left out of every statistic.
  function warmupShade(warmupS) {
    return {
      hooks: {
        drawClear: [
          (u) => {
            if (!(warmupS > 0)) return
            const x0 = u.valToPos(Math.max(u.scales.x.min, 0), 'x', true)
            const x1 = u.valToPos(Math.min(u.scales.x.max, warmupS), 'x', true)
            if (!(x1 > x0)) return
            const { ctx, bbox } = u
            ctx.save()
            ctx.fillStyle = 'rgba(154, 103, 0, 0.10)'
            ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height)
            ctx.fillStyle = 'rgba(154, 103, 0, 0.9)'
            ctx.font = `${Math.round(11 * devicePixelRatio)}px system-ui, sans-serif`
            ctx.fillText('warm-up', x0 + 4 * devicePixelRatio, bbox.top + 12 * devicePixelRatio)
            ctx.restore()
          },
        ],
      },
    }
  }

  function timeAxis() {
    return {
      label: 'seconds since start',
      incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      values: (_u, splits) => splits.map((s) => `${s}s`),
    }
  }

  // A chart over run time from 0 up: the warm-up shaded, the y axis labelled, x read as seconds.
  function overTime(warmupS, yAxis, series) {
    return {
      height: 220,
      ...warmupShade(warmupS),
      scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      axes: [timeAxis(), yAxis],
      series: [
        { label: 't', value: (_u, v) => (v === null ? '–' : `${Math.floor(v).toFixed(0)}s`) },
        ...series,
      ],
    }
  }

  // 3. Stages: p50/p95/p99 per stage on a log axis, stages down the side (long names fit),
  // budget limits as vertical ticks (red when failed).
  const st = data.stages
  if (st && st.keys.length > 0) {
    const idx = st.keys.map((_, i) => i)
    const labelChars = Math.max(...st.keys.map((k) => k.length))
    mount(
      'chart-stage-percentiles',
      () => ({
        height: 70 + 30 * st.keys.length,
        scales: {
          x: { time: false, ori: 1, dir: -1, range: [-0.6, st.keys.length - 0.4] },
          y: { distr: 3, ori: 0 },
        },
        axes: [
          {
            scale: 'x',
            side: 3,
            size: Math.min(280, 7 * labelChars + 24),
            splits: () => idx,
            values: (_u, splits) => splits.map((i) => st.keys[i] ?? ''),
            grid: { show: false },
            gap: 6,
          },
          { scale: 'y', side: 2, label: 'ms (log)', values: msTicks, ...LOG_AXIS },
        ],
        legend: { live: false },
        cursor: { show: false },
        series: [
          { label: 'stage' },
          ...['p50', 'p95', 'p99'].map((p) => ({
            label: p,
            stroke: PCT[p],
            paths: () => null,
            points: { show: true, size: 10, width: 1, fill: PCT[p], stroke: '#fff' },
          })),
        ],
        hooks: {
          draw: [
            (u) => {
              const { ctx } = u
              const dpr = devicePixelRatio
              ctx.save()
              const seen = new Map()
              for (const m of st.marks) {
                const nth = seen.get(m.index) || 0
                seen.set(m.index, nth + 1)
                const cx = u.valToPos(m.limit, 'y', true)
                const cy = u.valToPos(m.index, 'x', true)
                if (!Number.isFinite(cx) || cx < u.bbox.left || cx > u.bbox.left + u.bbox.width) continue
                ctx.strokeStyle = m.pass ? '#1d2330' : '#c62828'
                ctx.lineWidth = 2 * dpr
                ctx.beginPath()
                ctx.moveTo(cx, cy - 11 * dpr)
                ctx.lineTo(cx, cy + 11 * dpr)
                ctx.stroke()
                ctx.fillStyle = ctx.strokeStyle
                ctx.font = `${Math.round(10 * dpr)}px system-ui, sans-serif`
                // A second budget on the same stage is labelled below its tick.
                ctx.textBaseline = nth % 2 === 0 ? 'bottom' : 'top'
                ctx.fillText(
                  `${m.metric} ≤ ${fmtMs(m.limit)}`,
                  cx + 3 * dpr,
                  nth % 2 === 0 ? cy - 3 * dpr : cy + 3 * dpr,
                )
              }
              ctx.restore()
            },
          ],
        },
      }),
      [idx, st.p50, st.p95, st.p99],
    )
  }

  // 3. Percentile ladder per stage: x is the percentile on a 1/(1 − p) log scale.
  const ld = data.ladder
  if (ld && ld.series.length > 0) {
    mount(
      'chart-stage-ladder',
      () => ({
        height: 280,
        scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
        axes: [
          {
            splits: () => ld.ranks,
            filter: (_u, splits) => splits,
            values: (_u, splits) => splits.map((s) => ld.labels[ld.ranks.indexOf(s)] ?? ''),
            label: 'percentile',
          },
          { label: 'ms (log)', values: msTicks, ...LOG_AXIS },
        ],
        series: [
          {
            label: 'percentile',
            value: (_u, v) => (v === null ? '–' : (ld.labels[ld.ranks.indexOf(v)] ?? '')),
          },
          ...ld.series.map((s, i) => ({
            label: s.stage,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            points: { show: true, size: 5 },
            value: (_u, v) => fmtMs(v),
          })),
        ],
      }),
      [ld.ranks, ...ld.series.map((s) => s.values)],
    )
  }

  // 3. Per-stage histograms on a log duration axis.
  const hgrid = document.getElementById('stage-histograms')
  if (hgrid && Array.isArray(data.histograms)) {
    data.histograms.forEach((h, i) => {
      const fig = document.createElement('figure')
      fig.className = 'chart'
      fig.id = `chart-hist-${i}`
      const plot = document.createElement('div')
      plot.className = 'plot'
      const cap = document.createElement('figcaption')
      cap.textContent =
        h.source === 'sample'
          ? `${h.stage}: ${h.count} spans from sampled traces`
          : `${h.stage}: ${h.count} spans`
      fig.append(plot, cap)
      hgrid.append(fig)
      mount(
        fig.id,
        () => ({
          height: 150,
          legend: { show: false },
          scales: {
            x: { time: false, distr: 3 },
            y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] },
          },
          axes: [{ values: msTicks, ...LOG_AXIS }, { size: 40 }],
          series: [
            {},
            {
              label: 'spans',
              stroke: '#4a7bd0',
              fill: 'rgba(74, 123, 208, 0.35)',
              paths: uPlot.paths.stepped({ align: 1 }),
              points: { show: false },
            },
          ],
        }),
        [h.edges_ms, [...h.counts, 0]],
      )
    })
  }

  // 4. Over time.
  const iv = data.intervals
  if (iv && iv.t.length > 0) {
    const x = iv.t.map((t) => t + iv.seconds_per_point / 2)
    mount(
      'chart-throughput',
      () =>
        overTime(data.warmup_s, { label: 'responses / s' }, [
          { label: 'responses', stroke: '#4a7bd0', fill: 'rgba(74,123,208,0.12)', width: 1.5 },
        ]),
      [x, iv.requests_per_s],
    )
    const codes = Object.keys(iv.errors_by_status)
    const errorSeries = [...codes.map((c) => ({ label: `HTTP ${c}`, values: iv.errors_by_status[c] }))]
    if (iv.connection_errors.some((n) => n > 0))
      errorSeries.push({ label: 'no response', values: iv.connection_errors })
    const errorsFig = document.getElementById('chart-errors')
    if (errorSeries.length === 0 && errorsFig) {
      const plot = errorsFig.querySelector('.plot')
      if (plot) plot.textContent = 'No error responses and no failed requests in any interval.'
    } else
      mount(
        'chart-errors',
        () =>
          overTime(data.warmup_s, { label: 'responses / s' }, [
            ...errorSeries.map((s, i) => ({
              label: s.label,
              stroke: ['#c62828', '#e0a030', '#8e5bd0', '#6c7a89'][i % 4],
              width: 1.5,
            })),
          ]),
        [x, ...errorSeries.map((s) => s.values)],
      )
    mount(
      'chart-latency',
      () =>
        overTime(data.warmup_s, { label: 'client latency, ms', values: msTicks }, [
          { label: 'p50', stroke: PCT.p50, width: 1.5, value: (_u, v) => fmtMs(v) },
          { label: 'p99', stroke: PCT.p99, width: 1.5, value: (_u, v) => fmtMs(v) },
        ]),
      [x, iv.p50, iv.p99],
    )
  }
  const sp = data.stage_p99
  const stageKeys = Object.keys(sp?.series || {})
  if (sp && stageKeys.length > 0) {
    mount(
      'chart-stage-p99',
      () => ({
        height: 240,
        ...warmupShade(data.warmup_s),
        scales: { x: { time: false }, y: { distr: 3 } },
        axes: [timeAxis(), { label: 'stage p99, ms (log)', values: msTicks, ...LOG_AXIS }],
        series: [
          { label: 't', value: (_u, v) => (v === null ? '–' : `${Math.floor(v).toFixed(0)}s`) },
          ...stageKeys.map((k, i) => ({
            label: k,
            stroke: PALETTE[i % PALETTE.length],
            width: 1.5,
            value: (_u, v) => fmtMs(v),
          })),
        ],
      }),
      [sp.t.map((t) => t + 0.5), ...stageKeys.map((k) => sp.series[k])],
    )
  }

  let resizeTimer
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer)
    resizeTimer = setTimeout(() => {
      for (const c of charts) c.u.setSize({ width: plotWidth(c.el), height: c.height })
    }, 100)
  })

  // Waterfalls: expand or collapse every span of a trace.
  for (const button of document.querySelectorAll('[data-expand]')) {
    button.addEventListener('click', () => {
      const open = button.getAttribute('data-expand') === 'open'
      const target = document.getElementById(button.getAttribute('data-target') || '')
      if (!target) return
      for (const d of target.querySelectorAll('details.wf-span')) d.open = open
    })
  }
  // A link to an exemplar (from the root causes) opens its first error span.
  function openFromHash() {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null
    const err = target?.querySelector('details.wf-span.is-error')
    if (err) err.open = true
  }
  window.addEventListener('hashchange', openFromHash)
  openFromHash()
})()
