import { describe, expect, it } from 'vitest'
import { commandEnvironment } from '../src/rotation/smoke.js'
import { createCommandRunner, redactLine } from '../src/smoke/command.js'

describe('smoke-command environment', () => {
  it("drops the job's AWS credentials, tokens and the action's inputs", () => {
    const env = commandEnvironment(
      {
        PATH: '/usr/bin',
        AWS_ACCESS_KEY_ID: 'ASIAOLD',
        AWS_SECRET_ACCESS_KEY: 'old',
        AWS_SESSION_TOKEN: 'session',
        AWS_PROFILE: 'admin',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        'INPUT_GITHUB-TOKEN': 'ghp_x',
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
        GITHUB_REPOSITORY: 'acme/web'
      },
      'eu-west-1'
    )
    expect(env).toEqual({
      PATH: '/usr/bin',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      GITHUB_REPOSITORY: 'acme/web',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1'
    })
  })

  it('keeps a region the job already chose', () => {
    expect(commandEnvironment({ AWS_REGION: 'us-west-2' }, 'eu-west-1')).toMatchObject({
      AWS_REGION: 'us-west-2',
      AWS_DEFAULT_REGION: 'us-west-2'
    })
  })
})

describe('smoke-command runner', () => {
  it('replaces secrets in every line, even one split across output chunks', async () => {
    const secret = 'S3cr3tValueThatIsLong0123456789abcdefghij'
    const lines: string[] = []
    const runner = createCommandRunner((line) => lines.push(line))
    const result = await runner.run(
      `printf '%s' "${secret.slice(0, 10)}"; sleep 0.2; printf '%s\\n' "${secret.slice(10)} end"; echo err >&2; exit 4`,
      { PATH: process.env.PATH ?? '' },
      10_000,
      [secret]
    )
    expect(result).toEqual({ exitCode: 4, timedOut: false })
    expect(lines).toContain('*** end')
    expect(lines).toContain('err')
    expect(lines.join('\n')).not.toContain(secret.slice(0, 10))
    expect(redactLine('a SECRET b SECRET', ['SECRET'])).toBe('a *** b ***')
    expect(redactLine('a KEY', ['KEY'])).toBe('a KEY')
  })
})
