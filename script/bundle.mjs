// npm run bundle: builds dist/ with ncc (an ESM bundle whose rarely needed parts are loaded on
// demand as chunks) and writes dist/licenses.txt for every third-party package in it. ncc's own
// --license writes one chunk's packages only, so the notice is made here from ncc's module list.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const work = mkdtempSync(join(tmpdir(), 'bundle-'))
const statsFile = join(work, 'stats.json')

rmSync(dist, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [
    join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js'),
    'build',
    'src/index.ts',
    '-o',
    'dist',
    '--minify',
    '--stats-out',
    statsFile
  ],
  { cwd: root, stdio: 'inherit' }
)

/** Every package directory a bundled module came from. */
function packageDirs(modules, found = new Set()) {
  for (const module of modules ?? []) {
    // Identifiers are loader chains ("loader!loader!file"): the file is the last part.
    const id = String(module.identifier ?? module.name ?? '')
      .split('!')
      .at(-1)
      .split('?')[0]
    const at = id.lastIndexOf('node_modules/')
    if (at >= 0) {
      const [scope = '', name = ''] = id.slice(at + 'node_modules/'.length).split('/')
      found.add(
        id.slice(0, at + 'node_modules/'.length) +
          (scope.startsWith('@') ? `${scope}/${name}` : scope)
      )
    }
    packageDirs(module.modules, found)
  }
  return found
}

function licenseText(dir) {
  const file = readdirSync(dir).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name))
  return file ? readFileSync(join(dir, file), 'utf8').trim() : '(no license file in the package)'
}

const stats = JSON.parse(readFileSync(statsFile, 'utf8'))
const entries = [...packageDirs(stats.modules)].map((dir) => {
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
