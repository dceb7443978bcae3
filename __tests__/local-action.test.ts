/**
 * `npm run local-action` writes the variables `.env.example` documents (the run itself is a step
 * of .ci/run: it needs @github/local-action's own process).
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { localRunVariables, runnerInputDefaults, toDotenv } from '../sandbox/local-env.js'

const context = {
  work: '/tmp/rotate-local',
  awsEndpoint: 'http://127.0.0.1:1',
  githubApiUrl: 'http://127.0.0.1:2',
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'secret'
}

function names(dotenv: string): string[] {
  return dotenv
    .split('\n')
    .filter((line) => /^[A-Z]/.test(line))
    .map((line) => line.slice(0, line.indexOf('=')))
}

describe('local runs', () => {
  it('.env.example documents exactly the variables the local run writes, in order', async () => {
    const example = await readFile(new URL('../.env.example', import.meta.url), 'utf8')
    expect(names(example)).toEqual(Object.keys(localRunVariables(context)))
  })

  it('writes multiline inputs as one double-quoted dotenv line', () => {
    const text = toDotenv({ INPUT_TARGETS: 'repo:a/b\nenv:a/b/prod', 'INPUT_X-Y': 'z' })
    expect(text).toBe('INPUT_TARGETS="repo:a/b\\nenv:a/b/prod"\nINPUT_X-Y="z"\n')
    expect(() => toDotenv({ A: 'say "hi"' })).toThrow('A: dotenv cannot hold')
    expect(() => toDotenv({ B: 'C:\\path' })).toThrow('B: dotenv cannot hold')
  })

  it("gives the fallback action.yml's defaults, as the runner does", async () => {
    const defaults = await runnerInputDefaults('acme/web')
    expect(defaults).toMatchObject({
      INPUT_MODE: 'rotate',
      INPUT_TARGETS: 'repo:acme/web',
      'INPUT_ROTATE-AFTER-DAYS': '30',
      'INPUT_GITHUB-TOKEN': ''
    })
  })
})
