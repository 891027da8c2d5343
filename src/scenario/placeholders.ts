// The `{{…}}` placeholders a `target:` section and `requests[].http` may use. They are resolved
// once, before the service starts (target) or per request ({{question}}); an unknown one is a
// validation error at its line, never a literal "{{…}}" reaching the service.
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

// {{target.port}}, {{otlp.endpoint}}, {{mocks.<dependency>.base_url}}.
export function targetPlaceholderNames(dependencyNames: readonly string[]): string[] {
  return ['target.port', 'otlp.endpoint', ...dependencyNames.map((name) => `mocks.${name}.base_url`)]
}

export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1]!)
}

// The problems with `text`'s placeholders, one message each.
export function unknownPlaceholders(text: string, known: readonly string[]): string[] {
  return placeholdersIn(text)
    .filter((name) => !known.includes(name))
    .map(
      (name) => `unknown placeholder {{${name}}}; expected one of ${known.map((k) => `{{${k}}}`).join(', ')}`,
    )
}

export function resolvePlaceholders(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => values[name] ?? whole)
}
