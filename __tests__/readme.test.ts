import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { renderReadme } from '../script/readme-tables.js'

describe('README.md', () => {
  it('has the inputs and outputs tables of action.yml (run `npm run docs` after changing action.yml)', async () => {
    const { current, expected } = await renderReadme()
    expect(current).toBe(expected)
  })

  it('names every input and output of action.yml, and nothing else, in its tables', async () => {
    const action = parse(await readFile(new URL('../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, unknown>
      outputs: Record<string, unknown>
    }
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const block = (name: string) =>
      readme.slice(readme.indexOf(`<!-- ${name}:start -->`), readme.indexOf(`<!-- ${name}:end -->`))
    const names = (text: string) =>
      [...text.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1])
    expect(names(block('inputs'))).toEqual(Object.keys(action.inputs))
    expect(names(block('outputs'))).toEqual(Object.keys(action.outputs))
  })

  it('starts with the demo and test commands', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
    expect(firstBlock).toContain('npm run demo')
    expect(firstBlock).toContain('npm test')
    expect(readme.indexOf('```sh')).toBeLessThan(readme.indexOf('## '))
  })
})
