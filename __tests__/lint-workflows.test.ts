/**
 * action.yml, the workflows and the documented examples pass actionlint, GitHub's own workflow
 * and action schemas, and this repository's checks; and each linter fails on a broken copy.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { ROOT } from '../sandbox/runner.js'
import {
  checkActionUsage,
  checkHygiene,
  checkPinning,
  formatFindings,
  lintActionMetadata,
  lintAll,
  parseWorkflowWithGitHubSchema,
  readActionMetadata,
  runActionlint,
  workflowFiles
} from '../script/lint-actions.js'

const read = (file: string): Promise<string> => readFile(join(ROOT, file), 'utf8')

describe('the linted files', () => {
  it('are the workflows and every documented example', async () => {
    const files = await workflowFiles()
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/codeql.yml',
        '.github/workflows/dependency-review.yml',
        'docs/examples/self-rotation.yml',
        'docs/examples/oidc-rotator.yml',
        'docs/examples/environment-secrets.yml',
        'docs/examples/audit-report.yml',
        'docs/examples/aws-smoke.yml'
      ])
    )
  })

  it('pass every linter (action.yml, workflows, examples)', async () => {
    const findings = await lintAll()
    expect(formatFindings(findings)).toBe('')
  })
})

describe('action.yml', () => {
  it('declares node24 and the bundle, as .node-version and package.json engines do', async () => {
    const action = parse(await read('action.yml')) as { runs: { using: string; main: string } }
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
    expect((await read('.node-version')).trim()).toMatch(/^24\./)
    const pkg = JSON.parse(await read('package.json')) as { engines: { node: string } }
    expect(pkg.engines.node).toBe('>=24')
  })
})

describe('repository automation', () => {
  it('Dependabot updates npm and GitHub Actions weekly, in groups', async () => {
    const config = parse(await read('.github/dependabot.yml')) as {
      version: number
      updates: { 'package-ecosystem': string; schedule: { interval: string }; groups?: object }[]
    }
    expect(config.version).toBe(2)
    expect(config.updates.map((update) => update['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
    for (const update of config.updates) {
      expect(update.schedule.interval).toBe('weekly')
      expect(Object.keys(update.groups ?? {}).length).toBeGreaterThan(0)
    }
  })

  it('CodeQL analyses javascript-typescript and ignores the bundle', async () => {
    const workflow = await read('.github/workflows/codeql.yml')
    expect(workflow).toContain('languages: javascript-typescript')
    expect(workflow).toContain('config-file: ./.github/codeql/codeql-config.yml')
    const config = parse(await read('.github/codeql/codeql-config.yml')) as {
      'paths-ignore': string[]
    }
    expect(config['paths-ignore']).toContain('dist')
  })
})

describe('each linter fails on a broken copy', () => {
  const workflow = (steps: string) => `name: broken
on: push
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
${steps}`

  it('actionlint: a step output of a step that does not exist', async () => {
    const text = workflow(`      - name: Build
        id: build
        run: echo ok
      - name: Use
        id: use
        run: echo "\${{ steps.compile.outputs.artifact }}"
`)
    const findings = await runActionlint(text, 'broken.yml')
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ line: 14, linter: 'actionlint' })
    expect(findings[0]?.message).toContain('property "compile" is not defined')
  })

  it('actionlint: an expression that does not parse', async () => {
    const findings = await runActionlint(
      workflow(`      - name: Bad
        id: bad
        if: \${{ github.event_name == 'push' && }}
        run: echo
`),
      'broken.yml'
    )
    expect(formatFindings(findings)).toMatch(/broken\.yml:11 \[actionlint\] .*\(expression\)/)
  })

  it("actionlint: a real workflow with a typo in a step's id reference", async () => {
    const text = (await read('docs/examples/self-rotation.yml')).replace(
      'steps.rotate.outputs.evidence-file',
      'steps.rotation.outputs.evidence-file'
    )
    const findings = await runActionlint(text, 'self-rotation.yml')
    expect(findings.map((f) => f.message).join('\n')).toContain(
      'property "rotation" is not defined'
    )
  })

  it('actionlint: an input that a popular action (by major tag) does not have', async () => {
    const findings = await runActionlint(
      workflow(`      - name: Checkout
        id: checkout
        uses: actions/checkout@v4
        with:
          fetch-dept: 0
`),
      'broken.yml'
    )
    expect(formatFindings(findings)).toContain(
      'input "fetch-dept" is not defined in action "actions/checkout@v4"'
    )
  })

  it("GitHub's workflow schema: an unknown key and a bad expression", () => {
    const findings = parseWorkflowWithGitHubSchema(
      workflow(`      - name: Bad
        id: bad
        timeout: 5
        run: echo \${{ github.ref( }}
`),
      'broken.yml'
    )
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [11, "Unexpected value 'timeout'"],
      [12, "Unexpected symbol: '('"]
    ])
  })

  it("GitHub's action schema: an unknown key in action.yml", async () => {
    const text = (await read('action.yml')).replace('branding:', 'brandingg:')
    const findings = lintActionMetadata(text)
    expect(findings).toEqual([
      expect.objectContaining({ linter: 'action-schema', message: "Unexpected value 'brandingg'" })
    ])
  })

  it("GitHub's action schema: an unknown runtime, and a runtime that is not node24", async () => {
    const original = await read('action.yml')
    expect(lintActionMetadata(original)).toEqual([])
    const unknown = lintActionMetadata(original.replace('using: node24', 'using: node42'))
    expect(unknown.map((f) => f.linter)).toContain('action-schema')
    expect(formatFindings(unknown)).toContain("Unexpected value 'node42'")
    // node20 is a valid runtime to GitHub, but not this action's.
    const older = lintActionMetadata(original.replace('using: node24', 'using: node20'))
    expect(older).toEqual([
      expect.objectContaining({
        linter: 'action-runtime',
        message: 'runs.using is "node20"; this action runs on node24'
      })
    ])
  })

  it('action usage: an input or output this action does not have', async () => {
    const action = await readActionMetadata()
    const text = (await read('docs/examples/oidc-rotator.yml'))
      .replace('iam-user-name: ${{', 'iam-user: ${{')
      .replace('steps.rotate.outputs.rotated', 'steps.rotate.outputs.was-rotated')
    const findings = checkActionUsage(text, 'oidc-rotator.yml', action)
    expect(findings.map((f) => f.message)).toEqual([
      "job rotate: OWNER/rotate-aws-access-key has no input 'iam-user'",
      "OWNER/rotate-aws-access-key has no output 'was-rotated'"
    ])
  })

  it('pinning: a tag where a SHA is expected, a SHA without its version, two SHAs for one action', () => {
    const text = workflow(`      - name: A
        id: a
        uses: actions/checkout@v6
      - name: B
        id: b
        uses: actions/setup-node@6044e13b5dc448c55e2357c09f80417699197238
      - name: C
        id: c
        uses: actions/upload-artifact@0000000000000000000000000000000000000000 # v5
`)
    const shas = new Map([
      [
        'actions/upload-artifact',
        { sha: '330a01c490aca151604b8cf639adc76d48f6c5d4', file: 'ci.yml' }
      ]
    ])
    const findings = checkPinning(text, 'broken.yml', shas)
    expect(findings.map((f) => f.line)).toEqual([11, 14, 17])
    expect(formatFindings(findings)).toMatch(/actions\/checkout@v6 is not pinned/)
  })

  it('hygiene: no top-level permissions, a step without a name or id', () => {
    const text = `on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo
`
    expect(checkHygiene(text, 'broken.yml').map((f) => f.message)).toEqual([
      'the workflow needs a top-level `permissions:` block with `contents: read`',
      'job build, step 1: every step has a name: and an id:'
    ])
  })
})
