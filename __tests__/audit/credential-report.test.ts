import { describe, expect, it } from 'vitest'
import { parseCredentialReport, parseCsv } from '../../src/audit/credential-report.js'
import { CREDENTIAL_REPORT_COLUMNS } from '../../sandbox/aws-fake.js'

/** AWS's column order; __tests__/sandbox/aws-fake.test.ts pins it to the documented header. */
const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',')

describe('parseCsv', () => {
  it('splits plain fields and rows (LF and CRLF)', () => {
    expect(parseCsv('a,b,c\r\n1,,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '', '3']
    ])
    expect(parseCsv('a,b')).toEqual([['a', 'b']])
  })

  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    expect(parseCsv('"ci,legacy","say ""hi""","two\nlines",last\nx,"",y')).toEqual([
      ['ci,legacy', 'say "hi"', 'two\nlines', 'last'],
      ['x', '', 'y']
    ])
  })

  it('refuses a CSV that ends inside quotes', () => {
    expect(() => parseCsv('a,"open')).toThrow('ends inside a quoted field')
  })
})

describe('parseCredentialReport', () => {
  const ROOT =
    '<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,' +
    'no_information,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'

  it('reads each user and its key slots; N/A, no_information and not_supported are "nothing"', () => {
    const csv = [
      HEADER,
      ROOT,
      // Two keys: slot 1 inactive and never used, slot 2 active and used.
      'deployer,arn:aws:iam::123456789012:user/ci/deployer,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,' +
        'false,2024-06-01T10:00:00+00:00,N/A,N/A,N/A,' +
        'true,2026-10-01T08:30:00+00:00,2026-11-20T09:00:00+00:00,eu-west-1,s3,false,N/A,false,N/A',
      // A console user with no keys whose password was never used; a comma in its name.
      '"ops,admin","arn:aws:iam::123456789012:user/ops,admin",2023-05-05T00:00:00+00:00,true,no_information,' +
        '2023-05-05T00:00:00+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A',
      // Only slot 2 holds a key (slot 1's key was deleted); used, but IAM has no region/service.
      'sparse,arn:aws:iam::123456789012:user/sparse,2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,' +
        'false,N/A,N/A,N/A,N/A,' +
        'true,2026-01-01T00:00:00+00:00,2026-02-01T00:00:00+00:00,N/A,N/A,false,N/A,false,N/A',
      ''
    ].join('\n')
    expect(parseCredentialReport(csv)).toEqual([
      {
        name: 'deployer',
        arn: 'arn:aws:iam::123456789012:user/ci/deployer',
        keys: [
          {
            slot: 1,
            active: false,
            createdAt: new Date('2024-06-01T10:00:00Z'),
            lastUsed: {}
          },
          {
            slot: 2,
            active: true,
            createdAt: new Date('2026-10-01T08:30:00Z'),
            lastUsed: {
              date: new Date('2026-11-20T09:00:00Z'),
              service: 's3',
              region: 'eu-west-1'
            }
          }
        ]
      },
      { name: 'ops,admin', arn: 'arn:aws:iam::123456789012:user/ops,admin', keys: [] },
      {
        name: 'sparse',
        arn: 'arn:aws:iam::123456789012:user/sparse',
        keys: [
          {
            slot: 2,
            active: true,
            createdAt: new Date('2026-01-01T00:00:00Z'),
            lastUsed: { date: new Date('2026-02-01T00:00:00Z') }
          }
        ]
      }
    ])
  })

  it('reads the columns by name, whatever their order, and ignores new ones', () => {
    const csv = [
      'arn,extra_column,user,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service',
      'arn:aws:iam::1:user/a,x,a,false,N/A,N/A,N/A,N/A,TRUE,2026-01-01T00:00:00+00:00,N/A,N/A,N/A'
    ].join('\r\n')
    expect(parseCredentialReport(csv)).toEqual([
      {
        name: 'a',
        arn: 'arn:aws:iam::1:user/a',
        keys: [{ slot: 1, active: true, createdAt: new Date('2026-01-01T00:00:00Z'), lastUsed: {} }]
      }
    ])
  })

  it('names the columns it needs when they are missing', () => {
    expect(() => parseCredentialReport('user,arn\nx,y')).toThrow(
      /has no column access_key_1_active, access_key_1_last_rotated/
    )
    expect(() => parseCredentialReport('')).toThrow('the credential report is empty')
  })

  it('names the row and column of a date it cannot read', () => {
    const row =
      'bad,arn:aws:iam::1:user/bad,x,false,N/A,N/A,N/A,false,true,yesterday,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A'
    expect(() => parseCredentialReport(`${HEADER}\n${row}`)).toThrow(
      "credential report row 2 access_key_1_last_rotated: 'yesterday' is not a date"
    )
  })
})
