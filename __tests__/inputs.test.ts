import { describe, expect, it } from 'vitest'
import { InputError, readInputs } from '../src/inputs.js'

const DEFAULTS: Record<string, string> = {
  'github-token': 'token',
  mode: 'rotate',
  targets: 'repo:acme/web',
  'access-key-id-secret-name': 'AWS_ACCESS_KEY_ID',
  'secret-access-key-secret-name': 'AWS_SECRET_ACCESS_KEY',
  'rotate-after-days': '30',
  'max-key-age-days': '90',
  force: 'false',
  'delete-after-days': '0',
  'smoke-timeout-seconds': '600',
  'request-timeout-seconds': '30',
  'github-writes-per-minute': '80',
  'propagation-timeout-seconds': '120',
  'dry-run': 'false',
  'aws-region': 'us-east-1'
}

function read(overrides: Record<string, string> = {}) {
  const values = { ...DEFAULTS, ...overrides }
  return readInputs((name) => values[name] ?? '')
}

function problems(overrides: Record<string, string>): readonly string[] {
  try {
    read(overrides)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  throw new Error('no input error')
}

describe('readInputs', () => {
  it('turns the action.yml defaults into typed settings', () => {
    expect(read()).toEqual({
      mode: 'rotate',
      githubToken: 'token',
      targets: [{ kind: 'repo', owner: 'acme', repo: 'web' }],
      secretNames: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY' },
      rotateAfterDays: 30,
      maxKeyAgeDays: 90,
      force: false,
      deleteAfterDays: 0,
      propagationTimeoutSeconds: 120,
      dryRun: false,
      awsRegion: 'us-east-1',
      requestTimeoutSeconds: 30,
      githubWritesPerMinute: 80,
      smoke: { repositories: [], explicitRepositories: [], timeoutSeconds: 600 }
    })
  })

  it('dispatches the smoke workflow in the repositories of repo: and env: targets by default', () => {
    const inputs = read({
      targets: 'repo:acme/web\nenv:acme/web/production\nenv:acme/api/production',
      'smoke-workflow': 'aws-smoke.yml',
      'smoke-command': 'aws sts get-caller-identity'
    })
    expect(inputs.smoke).toEqual({
      command: 'aws sts get-caller-identity',
      workflow: 'aws-smoke.yml',
      repositories: ['acme/web', 'acme/api'],
      explicitRepositories: [],
      timeoutSeconds: 600
    })
    expect(
      read({
        'smoke-workflow': 'aws-smoke.yml',
        'smoke-repository': 'acme/smoke\n# c\nacme/other',
        'smoke-ref': 'release/v1'
      }).smoke
    ).toMatchObject({ repositories: ['acme/smoke', 'acme/other'], ref: 'release/v1' })
  })

  it('reads optional values', () => {
    const inputs = read({
      'iam-user-name': 'ci.deployer@x',
      force: 'True',
      'dry-run': 'TRUE',
      'rotate-after-days': '0',
      'aws-region': 'cn-north-1'
    })
    expect(inputs).toMatchObject({
      iamUserName: 'ci.deployer@x',
      force: true,
      dryRun: true,
      rotateAfterDays: 0,
      awsRegion: 'cn-north-1'
    })
  })

  it.each([
    ['rotate-after-days', '-1'],
    ['rotate-after-days', '2.5'],
    ['rotate-after-days', 'ten'],
    ['rotate-after-days', ''],
    ['max-key-age-days', '0'],
    ['delete-after-days', '-3'],
    ['delete-after-days', '1e3'],
    ['propagation-timeout-seconds', '0'],
    ['propagation-timeout-seconds', '90s']
  ])('rejects %s = %j, naming the input', (name, value) => {
    const [problem] = problems({ [name]: value })
    expect(problem).toMatch(
      new RegExp(`^${name}: '${value.replace('.', '\\.')}' is not a whole number`)
    )
  })

  it.each([
    [{ mode: 'rotat' }, "mode: 'rotat' is not a mode"],
    [{ 'github-token': '  ' }, 'github-token is empty'],
    [{ force: 'yes' }, "force: 'yes' is not a boolean"],
    [{ 'iam-user-name': 'bad name' }, 'iam-user-name'],
    [{ 'access-key-id-secret-name': 'GITHUB_KEY' }, 'access-key-id-secret-name'],
    [{ 'secret-access-key-secret-name': '1SECRET' }, 'secret-access-key-secret-name'],
    [{ 'secret-access-key-secret-name': 'aws_access_key_id' }, 'are the same secret'],
    [{ targets: '# only a comment' }, 'targets is empty'],
    [{ 'aws-region': 'mars' }, 'aws-region'],
    [{ 'smoke-workflow': 'smoke' }, "smoke-workflow: 'smoke' is not a workflow file name"],
    [{ 'smoke-repository': 'acme/web' }, 'smoke-repository and smoke-ref need smoke-workflow'],
    [
      { 'smoke-workflow': 'a.yml', 'smoke-repository': 'acme' },
      "smoke-repository: 'acme' is not a repository"
    ],
    [
      { 'smoke-workflow': 'a.yml', 'smoke-ref': 'bad ref' },
      "smoke-ref: 'bad ref' is not a git ref"
    ],
    [{ 'smoke-timeout-seconds': '0' }, 'smoke-timeout-seconds']
  ])('rejects %j', (overrides, message) => {
    expect(problems(overrides).join('\n')).toContain(message)
  })

  it('audit mode needs no github-token and ignores targets and smoke inputs', () => {
    const inputs = read({
      mode: 'audit',
      'github-token': '',
      targets: 'not a target',
      'smoke-repository': 'acme/web',
      'iam-user-name': '*',
      exceptions: '.github/aws-key-exceptions.yml'
    })
    expect(inputs).toMatchObject({
      mode: 'audit',
      githubToken: '',
      iamUserName: '*',
      targets: [],
      exceptions: '.github/aws-key-exceptions.yml',
      smoke: { repositories: [] }
    })
  })

  it.each([
    [{ 'iam-user-name': '*' }, "iam-user-name: '*' (every IAM user) is for mode: audit"],
    [{ mode: 'audit', 'iam-user-name': 'a b' }, "or '*' for every IAM user"],
    [{ mode: 'audit', 'max-key-age-days': '0' }, 'max-key-age-days']
  ])('rejects %j (mode-specific)', (overrides, message) => {
    expect(problems(overrides).join('\n')).toContain(message)
  })

  it('passes the exceptions register to rotate mode too', () => {
    expect(read({ exceptions: '.github/aws-key-exceptions.yml' })).toMatchObject({
      mode: 'rotate',
      exceptions: '.github/aws-key-exceptions.yml'
    })
  })

  it('reports every problem at once', () => {
    expect(problems({ mode: 'x', force: 'x', targets: 'repo:acme' })).toHaveLength(3)
  })
})
