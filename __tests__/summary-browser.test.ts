/**
 * The demo's job summary, rendered as GitHub renders a summary (GFM, GitHub's table styles), in a
 * real headless Chromium (Debian's, through playwright-core): its tables display, the key and
 * target tables are there with their rows, and no HTML tag shows as text. Saves a screenshot to
 * artifacts/summary.png.
 *
 * Without Chromium at CHROMIUM_PATH (default /usr/bin/chromium) the test is skipped, unless
 * REQUIRE_CHROMIUM=1 (set by .ci/run, which installs it), when it fails.
 * Install: apt-get install -y --no-install-recommends chromium
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../sandbox/runner.js'
import { summaryPage } from '../sandbox/summary-page.js'

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
const REQUIRED = process.env.REQUIRE_CHROMIUM === '1'
const PRESENT = existsSync(CHROMIUM)
const ARTIFACTS = join(ROOT, 'artifacts')

if (!PRESENT && !REQUIRED)
  console.warn(
    `Skipping the summary browser test: no Chromium at ${CHROMIUM}. ` +
      'Install it with `apt-get install -y --no-install-recommends chromium` (or set CHROMIUM_PATH).'
  )

/** The flags this machine needs: no sandbox as root, and no calls home (the network is closed). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

async function demoSummary(work: string): Promise<string> {
  const file = join(work, 'summary.html')
  const child = spawn(
    join(ROOT, 'node_modules', '.bin', 'tsx'),
    ['sandbox/demo.ts', `--html=${file}`],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe']
    }
  )
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  if (code !== 0) throw new Error(`npm run demo failed (${code}):\n${output}`)
  return readFile(file, 'utf8')
}

interface TableView {
  heading: string
  visible: boolean
  width: number
  height: number
  rows: { visible: boolean; cells: { text: string; visible: boolean; header: boolean }[] }[]
}

/** The little of the DOM the page function uses (the project compiles without the DOM library). */
interface DomElement {
  readonly tagName: string
  readonly textContent: string | null
  readonly innerText: string
  readonly previousElementSibling: DomElement | null
  getBoundingClientRect(): { width: number; height: number }
  querySelectorAll(selectors: string): Iterable<DomElement>
}
declare const getComputedStyle: (element: DomElement) => {
  visibility: string
  display: string
  opacity: string
}

/** What a person sees of every table: its heading, whether it and each row and cell is visible. */
function readTables(page: Page): Promise<TableView[]> {
  return page.$$eval('.markdown-body table', (elements) => {
    const tables = elements as unknown as DomElement[]
    const shown = (el: DomElement): boolean => {
      const box = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      return (
        box.width > 0 &&
        box.height > 0 &&
        style.visibility !== 'hidden' &&
        style.display !== 'none' &&
        Number(style.opacity) > 0
      )
    }
    return tables.map((table) => {
      let previous = table.previousElementSibling
      while (previous && !/^H[1-6]$/.test(previous.tagName))
        previous = previous.previousElementSibling
      const box = table.getBoundingClientRect()
      return {
        heading: previous?.textContent?.trim() ?? '',
        visible: shown(table),
        width: box.width,
        height: box.height,
        rows: [...table.querySelectorAll('tr')].map((row) => ({
          visible: shown(row),
          cells: [...row.querySelectorAll('th, td')].map((cell) => ({
            text: cell.innerText.trim(),
            visible: shown(cell) || cell.innerText.trim() === '',
            header: cell.tagName === 'TH'
          }))
        }))
      }
    })
  })
}

describe.skipIf(!PRESENT && !REQUIRED)('job summary in a real browser', () => {
  let work: string
  let context: BrowserContext | undefined
  let page: Page
  let summary: string
  let tables: TableView[]

  beforeAll(async () => {
    expect(PRESENT, `REQUIRE_CHROMIUM=1 but there is no Chromium at ${CHROMIUM}`).toBe(true)
    work = await mkdtemp(join(tmpdir(), 'rotate-summary-browser-'))
    summary = await demoSummary(work)
    await mkdir(ARTIFACTS, { recursive: true })
    const pageFile = join(ARTIFACTS, 'summary.html')
    await writeFile(pageFile, summaryPage(summary))

    context = await chromium.launchPersistentContext(join(work, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      timeout: 60_000
    })
    page = context.pages()[0] ?? (await context.newPage())
    await page.goto(pathToFileURL(pageFile).href, { waitUntil: 'load' })
    tables = await readTables(page)
    await page.screenshot({ path: join(ARTIFACTS, 'summary.png'), fullPage: true })
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  it('shows every table of the summary, each row and cell visible', () => {
    const expected = summary.match(/<table>/g)?.length ?? 0
    expect(expected).toBeGreaterThanOrEqual(5)
    expect(tables).toHaveLength(expected)
    for (const table of tables) {
      expect(table.visible, `table under '${table.heading}' is visible`).toBe(true)
      expect(table.rows.length, `table under '${table.heading}' has a data row`).toBeGreaterThan(1)
      for (const row of table.rows) {
        expect(row.visible).toBe(true)
        for (const cell of row.cells) expect(cell.visible, `cell '${cell.text}'`).toBe(true)
      }
      // The header row is a row of header cells, the same width as the data rows.
      const [header, ...data] = table.rows
      expect(header?.cells.every((cell) => cell.header)).toBe(true)
      for (const row of data) expect(row.cells).toHaveLength(header?.cells.length ?? 0)
    }
  })

  it('has the key table: the old key deleted, the new one active, IDs redacted', () => {
    const keys = tables.find((table) => table.heading === 'Keys')
    expect(keys, 'a table under the heading Keys').toBeDefined()
    const text = (keys?.rows ?? []).map((row) => row.cells.map((cell) => cell.text))
    expect(text[0]).toEqual(expect.arrayContaining(['Key', 'ID', 'Created', 'Final status']))
    expect(text[1]).toEqual(expect.arrayContaining(['old (rotated out)', '97', 'Deleted']))
    expect(text[2]).toEqual(expect.arrayContaining(['new', 'Active']))
    for (const row of text.slice(1)) expect(row[1]).toMatch(/^AKIA…[A-Z0-9]{4}$/)
  })

  it('has the target table: both targets written with the new key', () => {
    const targets = tables.find((table) => table.heading === 'Targets')
    expect(targets, 'a table under the heading Targets').toBeDefined()
    const rows = (targets?.rows ?? []).slice(1).map((row) => row.cells.map((cell) => cell.text))
    expect(rows.map((row) => row[0])).toEqual(['repo:acme/web', 'env:acme/web/production'])
    for (const row of rows) expect(row).toEqual(expect.arrayContaining(['written', 'new']))
  })

  it('shows no HTML tag or escaped entity as text', async () => {
    const text = await page.locator('.markdown-body').innerText()
    expect(text).toContain('AWS access key rotated')
    expect(text).not.toMatch(/<\/?[a-z][a-z0-9]*[\s>/]/i)
    expect(text).not.toMatch(/&(lt|gt|amp|quot|#\d+);/)
  })

  it('would catch a summary that GitHub shows as raw HTML (a blank line inside a table)', async () => {
    // After a blank line, a line indented by 4 spaces is a code block: its tags show as text.
    const broken = summary.replace('</th></tr>\n', '</th></tr>\n\n    ')
    const probe = await context!.newPage()
    try {
      await probe.setContent(summaryPage(broken))
      const text = await probe.locator('.markdown-body').innerText()
      expect(text).toMatch(/<\/?[a-z][a-z0-9]*[\s>/]/i)
    } finally {
      await probe.close()
    }
  })

  it('relies on nothing GitHub strips from a summary (scripts, styles, classes)', () => {
    expect(summary).not.toMatch(/<script|<style|\sstyle=|\sclass=|\son[a-z]+=/i)
  })

  it('saved a screenshot of the page', async () => {
    const png = await readFile(join(ARTIFACTS, 'summary.png'))
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.length).toBeGreaterThan(10_000)
  })
})
