// Writes reports-schema/report.schema.json from the zod schema in src/contract/report-schema.ts.
// Run after changing the report contract; test/unit/contract/report-schema.test.ts fails until
// the committed file matches.
import { fileURLToPath } from 'node:url'
import { reportJsonSchemaText } from '../src/contract/report-schema.ts'
import { writeFileAtomic } from '../src/report/write-report.ts'

const target = fileURLToPath(new URL('../reports-schema/report.schema.json', import.meta.url))
await writeFileAtomic(target, reportJsonSchemaText())
console.log(`wrote ${target}`)
