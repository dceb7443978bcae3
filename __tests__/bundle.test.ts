/**
 * The committed bundle is built the way docs/performance.md says it is (script/bundle.mjs).
 */
import { parse, type ObjectExpression } from 'acorn'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../sandbox/runner.js'

describe('dist/index.js', () => {
  const code = readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8')

  it('has every module function in parentheses, so V8 compiles it once, not twice', () => {
    const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' })
    // webpack's module map: the top-level object from module IDs (numbers) to module functions.
    const maps = program.body
      .flatMap((statement) =>
        statement.type === 'VariableDeclaration' ? statement.declarations : []
      )
      .map((declaration) => declaration.init)
      .filter((init): init is ObjectExpression => init?.type === 'ObjectExpression')
      .filter(
        (init) =>
          init.properties.length > 0 &&
          init.properties.every(
            (property) =>
              property.type === 'Property' &&
              property.key.type === 'Literal' &&
              typeof property.key.value === 'number'
          )
      )
    expect(maps).toHaveLength(1)
    const functions = (maps[0]?.properties ?? []).flatMap((property) =>
      property.type === 'Property' ? [property.value] : []
    )
    expect(functions.length).toBeGreaterThan(50)
    const bare = functions.filter((fn) => code[fn.start - 1] !== '(' || code[fn.end] !== ')')
    expect(bare.map((fn) => code.slice(fn.start, fn.start + 40))).toEqual([])
  })
})
