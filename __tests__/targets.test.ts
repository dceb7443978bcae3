import { describe, expect, it } from 'vitest'
import { parseTarget, parseTargets, targetLabel } from '../src/targets.js'

describe('targets', () => {
  it('parses every kind, keeping slashes in environment names', () => {
    const { targets, errors } = parseTargets(
      [
        'repo:acme/web',
        '  env:acme/web/prod/eu   # EU production',
        '# a comment line',
        '',
        'org:acme',
        'dependabot:acme/web'
      ].join('\n')
    )
    expect(errors).toEqual([])
    expect(targets).toEqual([
      { kind: 'repo', owner: 'acme', repo: 'web' },
      { kind: 'env', owner: 'acme', repo: 'web', environment: 'prod/eu' },
      { kind: 'org', org: 'acme' },
      { kind: 'dependabot', owner: 'acme', repo: 'web' }
    ])
    expect(targets.map(targetLabel)).toEqual([
      'repo:acme/web',
      'env:acme/web/prod/eu',
      'org:acme',
      'dependabot:acme/web'
    ])
  })

  it.each([
    ['nonsense', 'is not a target'],
    ['repo:acme', 'is not a repository'],
    ['repo:acme/web/extra', 'is not a repository'],
    ['repo:/web', 'is not a repository'],
    ['env:acme/app', 'does not name an environment'],
    ['env:acme/app/ ', 'does not name an environment'],
    ['org:acme/web', 'is not an organization target'],
    ['secret:acme/web', 'is not a target']
  ])('rejects %s', (line, why) => {
    expect(() => parseTarget(line)).toThrow(why)
  })

  it('reports errors with their line numbers and rejects repeats', () => {
    const { errors } = parseTargets('repo:acme/web\nrepo:acme\n\nrepo:acme/web')
    expect(errors).toEqual([
      expect.stringMatching(
        /^targets line 2: 'repo:acme' is not a repository: expected repo:OWNER\/REPO/
      ),
      "targets line 4: 'repo:acme/web' repeats line 1: list each target once"
    ])
  })
})
