// Writes scenarios/scenario.schema.json from the zod schema (`npm run schema`). Atomic (temp file
// in the same folder, then rename) so an editor watching the file never reads half of it.
import { renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { renderScenarioJsonSchema, SCENARIO_SCHEMA_FILE_NAME } from '../src/scenario/json-schema.ts'
import { DEFAULT_SCENARIOS_DIR } from '../src/scenario/load-scenario.ts'

const target = path.join(DEFAULT_SCENARIOS_DIR, SCENARIO_SCHEMA_FILE_NAME)
const temporary = `${target}.${process.pid}.tmp`
writeFileSync(temporary, renderScenarioJsonSchema())
renameSync(temporary, target)
console.log(`Wrote ${path.relative(process.cwd(), target)}`)
