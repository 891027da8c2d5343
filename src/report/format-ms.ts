// Three significant figures or so without scientific notation: 0.42, 5.13, 51.1, 204, 2480.
export function formatMs(ms: number): string {
  const abs = Math.abs(ms)
  if (abs >= 100) return ms.toFixed(0)
  if (abs >= 10) return ms.toFixed(1)
  return ms.toFixed(2)
}
