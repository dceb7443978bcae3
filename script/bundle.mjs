// npm run bundle: builds dist/ with ncc (an ESM bundle whose rarely needed parts are loaded on
// demand as chunks) and writes dist/licenses.txt for every third-party package in it. ncc's own
// --license writes one chunk's packages only, so the notice is made here from ncc's module list.
//
// `node script/bundle.mjs ENTRY OUT_DIR` builds another entry the same way (the bench's floor).
import { parse } from 'acorn'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const [entry = 'src/index.ts', outDir = 'dist'] = process.argv.slice(2)
const dist = resolve(root, outDir)
const work = mkdtempSync(join(tmpdir(), 'bundle-'))
const statsFile = join(work, 'stats.json')

rmSync(dist, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
    'build',
    entry,
    '-o',
    dist,
    '--minify',
    '--stats-out',
    statsFile
  ],
  { cwd: root, stdio: 'inherit' }
)

/**
 * Puts each module function of the bundle's module map in parentheses, as webpack writes them
 * before ncc minifies them away. V8 compiles a parenthesized function at once instead of
 * pre-parsing it and parsing it again when it is called; every module of index.js is called
 * while it loads, so this saves about a sixth of the start-up (docs/performance.md). It changes
 * no behaviour. Chunks are not minified by ncc and keep webpack's parentheses.
 */
function parenthesizeModules(code) {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' })
  const isModuleMap = (node) =>
    node?.type === 'ObjectExpression' &&
    node.properties.length > 0 &&
    node.properties.every(
      (property) =>
        property.type === 'Property' &&
        typeof property.key.value === 'number' &&
        /^(Arrow)?FunctionExpression$/.test(property.value.type)
    )
  const maps = program.body
    .filter((statement) => statement.type === 'VariableDeclaration')
    .flatMap((statement) => statement.declarations.map((declaration) => declaration.init))
    .filter(isModuleMap)
  if (maps.length !== 1) {
    throw new Error(`${entry}: expected one webpack module map in the bundle, found ${maps.length}`)
  }
  let wrapped = code
  for (const { value } of [...maps[0].properties].reverse()) {
    wrapped = `${wrapped.slice(0, value.start)}(${wrapped.slice(value.start, value.end)})${wrapped.slice(value.end)}`
  }
  return wrapped
}

const indexFile = join(dist, 'index.js')
writeFileSync(indexFile, parenthesizeModules(readFileSync(indexFile, 'utf8')))

/** Every bundled module, as its file and the chunks it is in (nested modules inherit them). */
function* bundledModules(modules, chunks = []) {
  for (const module of modules ?? []) {
    const inChunks = module.chunks?.length ? module.chunks : chunks
    // Identifiers are loader chains ("loader!loader!file"): the file is the last part.
    const file = String(module.identifier ?? module.name ?? '')
      .split('!')
      .at(-1)
      .split('?')[0]
    yield { file, chunks: inChunks }
    yield* bundledModules(module.modules, inChunks)
  }
}

/** The package directory a bundled file came from, or undefined for the project's own code. */
function packageDir(file) {
  const at = file.lastIndexOf('node_modules/')
  if (at < 0) return undefined
  const [scope = '', name = ''] = file.slice(at + 'node_modules/'.length).split('/')
  return (
    file.slice(0, at + 'node_modules/'.length) +
    (scope.startsWith('@') ? `${scope}/${name}` : scope)
  )
}

function licenseText(dir) {
  const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name))
  return file ? readFileSync(join(dir, file), 'utf8').trim() : '(no license file in the package)'
}

const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
const modules = [...bundledModules(stats.modules)]

// A run that skips (most runs) must not load what only some runs need: the GitHub client is
// loaded before the first GitHub call, the YAML parser for a fleet file or a register. A static
// import of one of them would pull it into index.js and slow every run's start (docs/performance.md).
const ON_DEMAND = /\/node_modules\/(@octokit\/|libsodium|yaml\/)/
const initialChunks = new Set(
  stats.chunks.filter((chunk) => chunk.initial).map((chunk) => chunk.id)
)
const loadedAtStart = [
  ...new Set(
    modules
      .filter((module) => ON_DEMAND.test(module.file))
      .filter((module) => module.chunks.some((chunk) => initialChunks.has(chunk)))
      .map((module) => packageDir(module.file).replace(/.*node_modules\//, ''))
  )
]
if (loadedAtStart.length > 0) {
  console.error(
    `dist/index.js loads ${loadedAtStart.join(', ')} at start: import it on first use (await import()), as src/github/lazy.ts and src/fleet.ts do.`
  )
  process.exit(1)
}

const packageDirs = new Set(modules.map((module) => packageDir(module.file)).filter(Boolean))
const entries = [...packageDirs].map((dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const license = typeof pkg.license === 'string' ? pkg.license : (pkg.license?.type ?? 'UNKNOWN')
  return { name: pkg.name, version: pkg.version, license, text: licenseText(dir) }
})
entries.sort((a, b) =>
  a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1
)
const notice = entries
  .map((entry) => `${entry.name}@${entry.version}\n${entry.license}\n${entry.text}\n`)
  .join('\n')
writeFileSync(join(dist, 'licenses.txt'), notice)
rmSync(work, { recursive: true, force: true })
console.log(`dist/licenses.txt: ${entries.length} packages`)
