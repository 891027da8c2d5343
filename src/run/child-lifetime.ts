// The lifetime of a process the harness forks (the endpoint, the mock servers): the harness owns
// it. It ends on 'disconnect', which also comes when the harness dies, so it is never orphaned.
// A terminal's Ctrl+C signals the whole process group, this process included; dying on it would
// turn an interrupted run into a crashed one and lose its figures, so SIGINT and SIGTERM are left
// to the harness.
export function ownedByHarness(close: () => Promise<void>): void {
  process.on('SIGINT', () => undefined)
  process.on('SIGTERM', () => undefined)
  process.on('disconnect', () => {
    void close().finally(() => process.exit(0))
    setTimeout(() => process.exit(0), 2000).unref()
  })
}
