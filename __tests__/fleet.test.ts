import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseFleet } from '../src/fleet-file.js'
import { FleetError, loadFleet, selectUser, type Fleet } from '../src/fleet.js'

const FILE = '.github/aws-key-fleet.yml'
const FALLBACK = { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY' }

function problems(text: string): readonly string[] {
  try {
    parseFleet(text, FILE, FALLBACK)
  } catch (error) {
    if (error instanceof FleetError) return error.problems
    throw error
  }
  throw new Error('the fleet file was accepted')
}

/** The line numbers the problems name, in order. */
function lines(found: readonly string[]): (string | undefined)[] {
  return found.map((problem) => / line (\d+): /.exec(problem)?.[1])
}

/** Builds a file from lines, so that tests can name line numbers. */
function yaml(...fileLines: string[]): string {
  return `${fileLines.join('\n')}\n`
}

// Line numbers matter: the expectations below name them.
const VALID = yaml(
  '# CI users of the platform team', //                                  1
  'defaults:', //                                                         2
  '  rotate-after-days: 30', //                                           3
  '  max-key-age-days: 90', //                                            4
  '  access-key-id-secret-name: CI_AWS_ACCESS_KEY_ID', //                 5
  '  smoke-workflow: aws-smoke.yml', //                                   6
  '  smoke-timeout-seconds: 600', //                                      7
  'users:', //                                                            8
  '  - iam-user-name: deployer', //                                       9
  '    targets:', //                                                     10
  '      - repo:acme/web', //                                            11
  '      - env:acme/web/production', //                                  12
  '      - target: org:acme', //                                         13
  '        access-key-id-secret-name: DEPLOYER_AWS_ACCESS_KEY_ID', //    14
  '        secret-access-key-secret-name: DEPLOYER_AWS_SECRET_ACCESS_KEY', // 15
  '        visibility: selected', //                                     16
  '        selected-repositories: [acme/web, acme/api]', //              17
  '    rotate-after-days: 14', //                                        18
  '    smoke-repository: acme/web', //                                   19
  '    smoke-ref: main', //                                              20
  '  - iam-user-name: reporter', //                                      21
  '    targets:', //                                                     22
  '      - dependabot:acme/api', //                                      23
  '      - target: org:acme', //                                         24
  '        visibility: private', //                                      25
  '    max-key-age-days: 60', //                                         26
  "    delete-after-days: '7'", //                                       27
  '    secret-access-key-secret-name: REPORTER_AWS_SECRET_ACCESS_KEY', // 28
  '    smoke-workflow: reporter-smoke.yml', //                           29
  '    smoke-repository:', //                                            30
  '      - acme/api', //                                                 31
  '      - acme/web', //                                                 32
  '    smoke-command: aws sts get-caller-identity' //                    33
)

/** One user with one target, with `extra` lines added to the user (indented 4) . */
function oneUser(...extra: string[]): string {
  return yaml('users:', '  - iam-user-name: deployer', '    targets:', ...extra)
}

describe('parseFleet', () => {
  it('reads a full file: defaults applied, per-user and per-target settings override them', () => {
    const fleet: Fleet = parseFleet(VALID, FILE, FALLBACK)
    expect(fleet).toStrictEqual({
      file: FILE,
      users: [
        {
          iamUserName: 'deployer',
          line: 9,
          targets: [
            {
              target: { kind: 'repo', owner: 'acme', repo: 'web' },
              // The key ID name from defaults, the secret key name from the action's input.
              secretNames: {
                accessKeyId: 'CI_AWS_ACCESS_KEY_ID',
                secretAccessKey: 'AWS_SECRET_ACCESS_KEY'
              }
            },
            {
              target: { kind: 'env', owner: 'acme', repo: 'web', environment: 'production' },
              secretNames: {
                accessKeyId: 'CI_AWS_ACCESS_KEY_ID',
                secretAccessKey: 'AWS_SECRET_ACCESS_KEY'
              }
            },
            {
              target: { kind: 'org', org: 'acme' },
              secretNames: {
                accessKeyId: 'DEPLOYER_AWS_ACCESS_KEY_ID',
                secretAccessKey: 'DEPLOYER_AWS_SECRET_ACCESS_KEY'
              },
              newOrgSecret: {
                visibility: 'selected',
                selectedRepositories: ['acme/web', 'acme/api']
              }
            }
          ],
          rotateAfterDays: 14,
          maxKeyAgeDays: 90,
          smoke: {
            workflow: 'aws-smoke.yml',
            repositories: ['acme/web'],
            ref: 'main',
            timeoutSeconds: 600
          }
        },
        {
          iamUserName: 'reporter',
          line: 21,
          targets: [
            {
              target: { kind: 'dependabot', owner: 'acme', repo: 'api' },
              // A user's secret name applies to all of its targets.
              secretNames: {
                accessKeyId: 'CI_AWS_ACCESS_KEY_ID',
                secretAccessKey: 'REPORTER_AWS_SECRET_ACCESS_KEY'
              }
            },
            {
              target: { kind: 'org', org: 'acme' },
              secretNames: {
                accessKeyId: 'CI_AWS_ACCESS_KEY_ID',
                secretAccessKey: 'REPORTER_AWS_SECRET_ACCESS_KEY'
              },
              newOrgSecret: { visibility: 'private', selectedRepositories: [] }
            }
          ],
          rotateAfterDays: 30,
          maxKeyAgeDays: 60,
          deleteAfterDays: 7,
          smoke: {
            workflow: 'reporter-smoke.yml',
            repositories: ['acme/api', 'acme/web'],
            timeoutSeconds: 600,
            command: 'aws sts get-caller-identity'
          }
        }
      ]
    })
  })

  it("uses the action's secret names when nothing in the file sets them, and leaves the rest undefined", () => {
    const fleet = parseFleet(oneUser('      - repo:acme/web', '      - org:acme'), FILE, {
      accessKeyId: 'CI_KEY_ID',
      secretAccessKey: 'CI_SECRET'
    })
    expect(fleet.users).toStrictEqual([
      {
        iamUserName: 'deployer',
        line: 2,
        targets: [
          {
            target: { kind: 'repo', owner: 'acme', repo: 'web' },
            secretNames: { accessKeyId: 'CI_KEY_ID', secretAccessKey: 'CI_SECRET' }
          },
          {
            // No visibility: the org secret is not created with settings from the file.
            target: { kind: 'org', org: 'acme' },
            secretNames: { accessKeyId: 'CI_KEY_ID', secretAccessKey: 'CI_SECRET' }
          }
        ],
        smoke: {}
      }
    ])
  })

  it('accepts an empty defaults, quoted numbers, numeric workflow IDs and YAML anchors', () => {
    const fleet = parseFleet(
      yaml(
        'defaults:',
        'users:',
        '  - iam-user-name: deployer',
        '    targets: &shared',
        '      - repo:acme/web',
        "    rotate-after-days: '0'",
        '    smoke-workflow: 161335',
        '  - iam-user-name: builder',
        '    targets: *shared',
        '    access-key-id-secret-name: BUILDER_KEY_ID',
        '    secret-access-key-secret-name: BUILDER_SECRET'
      ),
      FILE,
      FALLBACK
    )
    expect(fleet.users.map((user) => user.rotateAfterDays)).toEqual([0, undefined])
    expect(fleet.users[0]?.smoke.workflow).toBe('161335')
    expect(fleet.users[1]?.targets).toStrictEqual([
      {
        target: { kind: 'repo', owner: 'acme', repo: 'web' },
        secretNames: { accessKeyId: 'BUILDER_KEY_ID', secretAccessKey: 'BUILDER_SECRET' }
      }
    ])
  })

  it.each([
    [
      'a malformed target line',
      oneUser('      - repo:acme'),
      [
        `config: ${FILE} line 4: users[0].targets[0]: 'repo:acme' is not a repository: expected repo:OWNER/REPO, e.g. repo:acme/web`
      ]
    ],
    [
      'an unknown target kind',
      oneUser('      - repository:acme/web'),
      [
        `config: ${FILE} line 4: users[0].targets[0]: 'repository:acme/web' is not a target: start the line with repo:, env:, org: or dependabot:`
      ]
    ],
    [
      'a target written with a space after the colon',
      oneUser('      - repo: acme/web'),
      [
        `config: ${FILE} line 4: users[0].targets[0]: 'repo: acme/web' is a mapping, not a target: write repo:acme/web without a space after the colon (or target: repo:acme/web).`
      ]
    ],
    [
      'a misspelt user setting',
      oneUser('      - repo:acme/web', '    rotate-afer-days: 14'),
      [
        `config: ${FILE} line 5: users[0]: 'rotate-afer-days' is not a user setting (did you mean 'rotate-after-days'?): use iam-user-name, targets, rotate-after-days, max-key-age-days, delete-after-days, access-key-id-secret-name, secret-access-key-secret-name, smoke-command, smoke-workflow, smoke-ref, smoke-timeout-seconds, smoke-repository.`
      ]
    ],
    [
      'a camelCase setting',
      oneUser('      - repo:acme/web', '    smokeWorkflow: aws-smoke.yml'),
      [
        `config: ${FILE} line 5: users[0]: 'smokeWorkflow' is not a user setting (did you mean 'smoke-workflow'?)`
      ]
    ],
    [
      'an action input in defaults',
      yaml(
        'defaults:',
        '  force: true',
        'users:',
        '  - iam-user-name: a',
        '    targets: [repo:acme/web]'
      ),
      [
        `config: ${FILE} line 2: defaults: 'force' is not a defaults setting: force is an input of the action, not a fleet setting: set it under with: in the workflow step, where it applies to every user.`
      ]
    ],
    [
      'a per-user setting in defaults',
      yaml(
        'defaults:',
        '  smoke-repository: acme/web',
        'users:',
        '  - iam-user-name: a',
        '    targets: [repo:acme/web]'
      ),
      [
        `config: ${FILE} line 2: defaults: 'smoke-repository' is not a defaults setting: smoke-repository is set per user: move it into each entry under users:.`
      ]
    ],
    [
      'a user setting on a target',
      oneUser('      - target: repo:acme/web', '        rotate-after-days: 7'),
      [
        `config: ${FILE} line 5: users[0].targets[0]: 'rotate-after-days' is not a target setting: rotate-after-days is a user setting: move it up to the user, where it applies to all of the user's targets.`
      ]
    ],
    [
      'a misspelt top-level key',
      yaml('user:', '  - iam-user-name: a', '    targets: [repo:acme/web]'),
      [
        `config: ${FILE} line 1: 'user' is not a top-level key (did you mean 'users'?): use defaults, users.`,
        `config: ${FILE} line 1: there is no users: list: add users: with at least one IAM user (iam-user-name and targets).`
      ]
    ],
    [
      'a duplicate user (IAM names are case-insensitive)',
      yaml(
        'users:',
        '  - iam-user-name: deployer',
        '    targets: [repo:acme/web]',
        '  - iam-user-name: Deployer',
        '    targets: [repo:acme/api]'
      ),
      [
        `config: ${FILE} line 4: users[1].iam-user-name: 'Deployer' is already listed as users[0] (line 2): list each IAM user once (IAM user names are case-insensitive) and put all of its targets under that entry.`
      ]
    ],
    [
      'a target listed twice for one user',
      oneUser(
        '      - repo:acme/web',
        '      - env:acme/web/prod',
        '      - target: repo:Acme/Web'
      ),
      [
        `config: ${FILE} line 6: users[0].targets[2]: 'repo:Acme/Web' is already a target of this user (users[0].targets[0], line 4): list each target once.`
      ]
    ],
    [
      'the same secret written by two users',
      yaml(
        'users:',
        '  - iam-user-name: deployer',
        '    targets:',
        '      - repo:acme/web',
        '  - iam-user-name: builder',
        '    access-key-id-secret-name: BUILDER_AWS_ACCESS_KEY_ID',
        '    targets:',
        '      - env:acme/web/prod',
        '      - repo:ACME/web'
      ),
      [
        `config: ${FILE} line 9: users[1].targets[1]: user 'builder' writes secret AWS_SECRET_ACCESS_KEY in repo:ACME/web, and so does user 'deployer' (users[0].targets[0], line 4): each run would overwrite the other user's key; give one of them other secret names with access-key-id-secret-name and secret-access-key-secret-name.`
      ]
    ],
    [
      'both secrets of a target written by another user, one name crossing over',
      yaml(
        'users:',
        '  - iam-user-name: deployer',
        '    targets: [org:acme]',
        '  - iam-user-name: builder',
        '    targets:',
        '      - target: org:acme',
        '        access-key-id-secret-name: aws_secret_access_key',
        '        secret-access-key-secret-name: AWS_ACCESS_KEY_ID'
      ),
      [
        `config: ${FILE} line 6: users[1].targets[0]: user 'builder' writes secrets aws_secret_access_key and AWS_ACCESS_KEY_ID in org:acme, and so does user 'deployer' (users[0].targets[0], line 3)`
      ]
    ],
    [
      'visibility on a repository target',
      oneUser('      - target: repo:acme/web', '        visibility: private'),
      [
        `config: ${FILE} line 5: users[0].targets[0].visibility: only org: targets take this setting (the secret of 'repo:acme/web' belongs to one repository): remove it.`
      ]
    ],
    [
      'selected-repositories on an environment target',
      oneUser('      - target: env:acme/web/prod', '        selected-repositories: [acme/web]'),
      [
        `config: ${FILE} line 5: users[0].targets[0].selected-repositories: only org: targets take this setting (the secret of 'env:acme/web/prod' belongs to one repository): remove it.`
      ]
    ],
    [
      'selected-repositories without visibility',
      oneUser('      - target: org:acme', '        selected-repositories: acme/web'),
      [
        `config: ${FILE} line 5: users[0].targets[0].selected-repositories: needs visibility: selected: set visibility: selected, or remove selected-repositories.`
      ]
    ],
    [
      'selected-repositories with another visibility',
      oneUser(
        '      - target: org:acme',
        '        visibility: private',
        '        selected-repositories: [acme/web]'
      ),
      [
        `config: ${FILE} line 6: users[0].targets[0].selected-repositories: needs visibility: selected (it is private): set visibility: selected, or remove selected-repositories.`
      ]
    ],
    [
      'visibility: selected without selected-repositories',
      oneUser('      - target: org:acme', '        visibility: selected'),
      [
        `config: ${FILE} line 5: users[0].targets[0].visibility: selected needs selected-repositories: list the OWNER/REPO names that may use the secret, or use visibility: private.`
      ]
    ],
    [
      'an unknown visibility',
      oneUser('      - target: org:acme', '        visibility: public'),
      [
        `config: ${FILE} line 5: users[0].targets[0].visibility: 'public' is not a visibility: use all, private, selected.`
      ]
    ],
    [
      "a selected repository outside the target's organization",
      oneUser(
        '      - target: org:acme',
        '        visibility: selected',
        '        selected-repositories:',
        '          - acme/web',
        '          - other/web'
      ),
      [
        `config: ${FILE} line 8: users[0].targets[0].selected-repositories[1]: 'other/web' is not a repository of organization acme: an organization secret can only be shared with the organization's repositories.`
      ]
    ],
    [
      'broken YAML',
      oneUser('      - repo:acme/web', '    smoke-repository: [acme/web'),
      [`config: ${FILE} line 6: this is not valid YAML`]
    ],
    [
      'a second document',
      yaml('users: [{iam-user-name: a, targets: [org:acme]}]', '---', 'users: []'),
      [
        `config: ${FILE} line 2: this is not valid YAML (more than one document: a --- line starts another): fix the syntax there;`
      ]
    ],
    [
      'a duplicate key',
      oneUser('      - repo:acme/web', '    smoke-ref: main', '    smoke-ref: dev'),
      [`config: ${FILE} line 6: this is not valid YAML (Map keys must be unique)`]
    ],
    [
      'an empty file',
      '',
      [
        `config: ${FILE} line 1: the file is empty: list the IAM users under users:, each with iam-user-name and targets, or remove the config input.`
      ]
    ],
    ['a file of comments', '# to do\n', [`config: ${FILE} line 1: the file is empty`]],
    [
      'a top-level list',
      yaml('# users', '- iam-user-name: a', '  targets: [repo:acme/web]'),
      [
        `config: ${FILE} line 2: the top level is a list, not a mapping: the fleet file is a mapping with users: (a list of IAM users, each with iam-user-name and targets) and, optionally, defaults: (put this list under users:).`
      ]
    ],
    [
      'a top-level scalar',
      'deployer\n',
      [`config: ${FILE} line 1: the top level is 'deployer', not a mapping`]
    ],
    [
      'no users',
      yaml('defaults:', '  rotate-after-days: 30', 'users: []'),
      [
        `config: ${FILE} line 3: users: is empty: list at least one IAM user, each with iam-user-name and targets.`
      ]
    ],
    [
      'users that are not a list',
      yaml('users:', '  deployer: [repo:acme/web]'),
      [`config: ${FILE} line 2: users: is a mapping, not a list`]
    ],
    [
      'a user that is not a mapping',
      yaml('users:', '  - deployer'),
      [`config: ${FILE} line 2: users[0]: is 'deployer', not a user`]
    ],
    [
      'a user without a name or targets',
      yaml('users:', '  - rotate-after-days: 7'),
      [
        `config: ${FILE} line 2: users[0]: iam-user-name is missing: add iam-user-name: NAME (the IAM user whose key is rotated).`,
        `config: ${FILE} line 2: users[0]: targets is missing: add targets: with at least one target, e.g. - repo:acme/web.`
      ]
    ],
    [
      'an invalid IAM user name',
      yaml('users:', "  - iam-user-name: 'ci deployer'", '    targets: [repo:acme/web]'),
      [
        `config: ${FILE} line 2: users[0].iam-user-name: 'ci deployer' is not an IAM user name: write the IAM user name (1-128 letters, digits and + = , . @ _ -).`
      ]
    ],
    [
      'empty targets',
      yaml('users:', '  - iam-user-name: a', '    targets:'),
      [
        `config: ${FILE} line 3: users[0].targets: is empty: list at least one target, e.g. - repo:acme/web.`
      ]
    ],
    [
      'targets as a multiline string',
      yaml('users:', '  - iam-user-name: a', '    targets: |', '      repo:acme/web'),
      [
        `config: ${FILE} line 3: users[0].targets: is 'repo:acme/web\n', not a list: write one target per list item, e.g. - repo:acme/web.`
      ]
    ],
    [
      'a target mapping without target',
      oneUser('      - visibility: all'),
      [
        `config: ${FILE} line 4: users[0].targets[0]: target is missing: add target: with the target, e.g. target: org:acme.`
      ]
    ],
    [
      'a negative number of days',
      oneUser('      - repo:acme/web', '    rotate-after-days: -1'),
      [
        `config: ${FILE} line 5: users[0].rotate-after-days: '-1' is not a whole number of days of at least 0: write an integer such as 30.`
      ]
    ],
    [
      'a fraction',
      oneUser('      - repo:acme/web', '    delete-after-days: 1.5'),
      [`config: ${FILE} line 5: users[0].delete-after-days: '1.5' is not a whole number of days`]
    ],
    [
      'a max-key-age-days of 0',
      yaml(
        'defaults:',
        '  max-key-age-days: 0',
        'users: [{iam-user-name: a, targets: [org:acme]}]'
      ),
      [
        `config: ${FILE} line 2: defaults.max-key-age-days: '0' is not a whole number of days of at least 1: write an integer such as 90.`
      ]
    ],
    [
      'a timeout of 0 seconds',
      oneUser('      - repo:acme/web', '    smoke-timeout-seconds: 0'),
      [
        `config: ${FILE} line 5: users[0].smoke-timeout-seconds: '0' is not a whole number of seconds of at least 1: write an integer such as 600.`
      ]
    ],
    [
      'an empty setting',
      oneUser('      - repo:acme/web', '    smoke-ref:'),
      [
        `config: ${FILE} line 5: users[0].smoke-ref: is empty: remove the line, or use a branch or tag name such as main.`
      ]
    ],
    [
      'an invalid secret name',
      oneUser('      - target: repo:acme/web', '        access-key-id-secret-name: GITHUB_KEY'),
      [
        `config: ${FILE} line 5: users[0].targets[0].access-key-id-secret-name: 'GITHUB_KEY' is not a valid secret name: use letters, digits and _, not starting with a digit or GITHUB_.`
      ]
    ],
    [
      'a secret name starting with a digit',
      oneUser('      - repo:acme/web', '    secret-access-key-secret-name: 1SECRET'),
      [`config: ${FILE} line 5: users[0].secret-access-key-secret-name: '1SECRET' is not a valid`]
    ],
    [
      "a target whose two names are the same (one of them the action's)",
      oneUser(
        '      - target: repo:acme/web',
        '        access-key-id-secret-name: aws_secret_access_key'
      ),
      [
        `config: ${FILE} line 4: users[0].targets[0]: access-key-id-secret-name and secret-access-key-secret-name are the same secret (aws_secret_access_key): give them different names.`
      ]
    ],
    [
      'an invalid smoke-workflow',
      oneUser('      - repo:acme/web', '    smoke-workflow: .github/workflows/smoke.yml'),
      [
        `config: ${FILE} line 5: users[0].smoke-workflow: '.github/workflows/smoke.yml' is not a workflow file name: use the file name under .github/workflows, e.g. aws-smoke.yml.`
      ]
    ],
    [
      'an invalid smoke-repository',
      oneUser('      - repo:acme/web', '    smoke-repository: [acme/web, web]'),
      [
        `config: ${FILE} line 5: users[0].smoke-repository[1]: 'web' is not a repository: write OWNER/REPO, or a list of them, where smoke-workflow is dispatched.`
      ]
    ],
    [
      'an invalid smoke-ref',
      oneUser('      - repo:acme/web', "    smoke-ref: 'feature branch'"),
      [
        `config: ${FILE} line 5: users[0].smoke-ref: 'feature branch' is not a git ref: use a branch or tag name such as main.`
      ]
    ]
  ])('refuses %s, naming the file, line, field and fix', (_, text, expected) => {
    const found = problems(text)
    expect(found).toHaveLength(expected.length)
    expected.forEach((part, index) => expect(found[index]).toContain(part))
  })

  it('reports two equal secret names in defaults once, where they are written', () => {
    const found = problems(
      yaml(
        'defaults:',
        '  access-key-id-secret-name: CI_AWS',
        '  secret-access-key-secret-name: CI_AWS',
        'users:',
        '  - iam-user-name: a',
        '    targets: [repo:acme/web, repo:acme/api]',
        '  - iam-user-name: b',
        '    targets: [repo:acme/app]'
      )
    )
    expect(found).toEqual([
      `config: ${FILE} line 2: defaults: access-key-id-secret-name and secret-access-key-secret-name are the same secret (CI_AWS): give them different names.`
    ])
  })

  it('reports every problem of the file at once, in line order', () => {
    const found = problems(
      yaml(
        'defaults:', //                                              1
        '  rotate-after-days: soon', //                              2
        'users:', //                                                 3
        '  - iam-user-name: deployer', //                            4
        '    targets:', //                                           5
        '      - repo:acme', //                                      6
        '      - target: repo:acme/web', //                          7
        '        visibility: all', //                                8
        '  - iam-user-name: builder', //                             9
        '    targets: [repo:acme/api]', //                           10
        '    max-key-age-days: 0', //                                11
        '  - iam-user-name: tester', //                              12
        '    targets: [repo:acme/api]', //                           13
        '  - iam-user-name: reporter', //                            14
        '    targets: [org:acme]', //                                15
        '    smoke-workflow: smoke', //                              16
        '    colour: blue' //                                        17
      )
    )
    expect(lines(found)).toEqual(['2', '6', '8', '11', '16', '17'])
    expect(found[1]).toContain("users[0].targets[0]: 'repo:acme' is not a repository")
    // builder is invalid, so its repo:acme/api is not compared with tester's: fix, then rerun.
    expect(found.join('\n')).not.toContain("user 'tester'")
  })

  it('does not report clashes that only an invalid secret name would cause', () => {
    const found = problems(
      yaml(
        'defaults:',
        '  access-key-id-secret-name: 1_KEY_ID',
        'users:',
        '  - iam-user-name: deployer',
        '    access-key-id-secret-name: DEPLOYER_KEY_ID',
        '    targets: [repo:acme/web]',
        '  - iam-user-name: builder',
        '    targets: [repo:acme/web]',
        '  - iam-user-name: tester',
        '    targets:',
        '      - target: repo:acme/web',
        '        access-key-id-secret-name: AWS-KEY',
        '        secret-access-key-secret-name: TESTER_SECRET'
      )
    )
    // Without the invalid names, builder and tester would fall back to AWS_ACCESS_KEY_ID.
    expect(lines(found)).toEqual(['2', '12'])
  })

  it('finds secrets shared between valid users even when others have problems', () => {
    const found = problems(
      yaml(
        'users:',
        '  - iam-user-name: deployer',
        '    targets: [repo:acme/api]',
        '  - iam-user-name: builder',
        '    targets: [repo:acme/api]',
        '  - iam-user-name: reporter',
        '    targets: [repo:acme]'
      )
    )
    expect(lines(found)).toEqual(['5', '7'])
    expect(found[0]).toContain(
      "user 'builder' writes secrets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in repo:acme/api, and so does user 'deployer' (users[0].targets[0], line 3)"
    )
  })

  it('throws a FleetError whose message lists every problem', () => {
    expect(() => parseFleet('users: []\nextra: 1\n', FILE, FALLBACK)).toThrow(FleetError)
    try {
      parseFleet('users: []\nextra: 1\n', FILE, FALLBACK)
    } catch (error) {
      expect((error as FleetError).message.split('\n')).toEqual((error as FleetError).problems)
      expect((error as FleetError).problems).toHaveLength(2)
    }
  })
})

describe('selectUser', () => {
  const fleet = parseFleet(VALID, FILE, FALLBACK)

  it('finds a user by IAM user name (case-insensitive, as IAM compares them)', () => {
    expect(selectUser(fleet, 'reporter')).toBe(fleet.users[1])
    expect(selectUser(fleet, ' Deployer ')).toBe(fleet.users[0])
  })

  it('lists the names in the file for an unknown or empty name', () => {
    expect(() => selectUser(fleet, 'builder')).toThrow(
      new FleetError([
        `iam-user-name: 'builder' is not a user in ${FILE}: use one of deployer, reporter, or add the user to the file.`
      ])
    )
    expect(() => selectUser(fleet, '')).toThrow(
      'iam-user-name is empty: with config, name the user to rotate, one of deployer, reporter (e.g. one matrix job per user).'
    )
  })
})

describe('loadFleet', () => {
  let workspace: string

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'fleet-'))
    await writeFile(join(workspace, 'fleet.yml'), VALID)
    await writeFile(join(workspace, 'broken.yml'), 'users: []\n')
  })

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true })
  })

  it('reads a path relative to the workspace, or an absolute one', async () => {
    const relative = await loadFleet('fleet.yml', workspace, FALLBACK)
    expect(relative).toStrictEqual(parseFleet(VALID, 'fleet.yml', FALLBACK))
    const absolute = join(workspace, 'fleet.yml')
    expect((await loadFleet(absolute, '/elsewhere', FALLBACK)).file).toBe(absolute)
  })

  it('names the file it read in validation problems', async () => {
    await expect(loadFleet('broken.yml', workspace, FALLBACK)).rejects.toThrow(
      'config: broken.yml line 1: users: is empty'
    )
  })

  it('explains a missing file: the input, the path and the fix', async () => {
    const error = await loadFleet('.github/missing.yml', workspace, FALLBACK).catch(
      (caught: unknown) => caught
    )
    expect(error).toBeInstanceOf(FleetError)
    expect((error as FleetError).problems).toEqual([
      `config: cannot read .github/missing.yml (${join(workspace, '.github/missing.yml')}: ENOENT): commit the fleet file to the repository and run actions/checkout before this step, or fix the path (relative to the repository root).`
    ])
  })

  it('explains a path that is a directory', async () => {
    await expect(loadFleet('.', workspace, FALLBACK)).rejects.toThrow(
      `config: cannot read . (${workspace}: EISDIR)`
    )
  })
})

describe('the documented fleet example', () => {
  it('is a valid fleet file', async () => {
    const { readFile } = await import('node:fs/promises')
    const text = await readFile(
      new URL('../docs/examples/fleet/aws-key-fleet.yml', import.meta.url),
      'utf8'
    )
    const fleet = parseFleet(text, 'aws-key-fleet.yml', {
      accessKeyId: 'AWS_ACCESS_KEY_ID',
      secretAccessKey: 'AWS_SECRET_ACCESS_KEY'
    })
    expect(fleet.users.map((user) => user.iamUserName)).toEqual(['web-deployer', 'data-loader'])
  })
})
