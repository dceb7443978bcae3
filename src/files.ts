import { readFile } from 'node:fs/promises'
import { isAbsolute, resolve } from 'node:path'

/**
 * Reads a file an input names (the fleet file, the exceptions register): relative paths are in
 * the repository checkout (GITHUB_WORKSPACE), absolute ones are used as they are. A file that
 * cannot be read is one problem, naming the input, the path and the fix.
 */
export async function readInputFile(
  input: string,
  path: string,
  workspace: string,
  what: string
): Promise<{ text: string } | { problem: string }> {
  const absolute = isAbsolute(path) ? path : resolve(workspace, path)
  try {
    return { text: await readFile(absolute, 'utf8') }
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unreadable'
    return {
      problem: `${input}: cannot read ${path} (${absolute}: ${code}): commit the ${what} to the repository and run actions/checkout before this step, or fix the path (relative to the repository root).`
    }
  }
}
