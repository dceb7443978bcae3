/**
 * A job summary as a page, the way GitHub shows it: the `$GITHUB_STEP_SUMMARY` file is rendered
 * as GitHub-flavoured Markdown (HTML blocks pass through, and end at a blank line) inside a
 * `markdown-body` container with GitHub's table styles. Used by the browser test.
 */
import { marked } from 'marked'

/** The part of GitHub's `markdown-body` stylesheet that matters to headings, tables and code. */
const GITHUB_MARKDOWN_CSS = `
body { margin: 0; background: #f6f8fa; }
.job { max-width: 1280px; margin: 16px auto; background: #fff; border: 1px solid #d0d7de;
  border-radius: 6px; }
.job > header { padding: 8px 16px; border-bottom: 1px solid #d0d7de; font: 600 14px/1.5
  -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.markdown-body { padding: 16px 24px; color: #1f2328; font-size: 16px; line-height: 1.5;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
  sans-serif; word-wrap: break-word; }
.markdown-body h2 { font-size: 1.5em; font-weight: 600; padding-bottom: .3em;
  border-bottom: 1px solid #d1d9e0b3; margin: 24px 0 16px; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; margin: 24px 0 16px; }
.markdown-body p { margin: 0 0 16px; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body code { padding: .2em .4em; margin: 0; font-size: 85%; white-space: break-spaces;
  background-color: #818b981f; border-radius: 6px;
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, monospace; }
.markdown-body table { display: block; width: max-content; max-width: 100%; overflow: auto;
  border-spacing: 0; border-collapse: collapse; margin: 0 0 16px; font-variant: tabular-nums; }
.markdown-body table th { font-weight: 600; }
.markdown-body table th, .markdown-body table td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body table tr { background-color: #fff; border-top: 1px solid #d1d9e0b3; }
.markdown-body table tr:nth-child(2n) { background-color: #f6f8fa; }
`

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The summary file's content as GitHub renders it (GFM; HTML passes through). */
export function renderSummaryMarkdown(summary: string): string {
  return marked.parse(summary, { gfm: true, async: false })
}

export function summaryPage(summary: string, title = 'Rotate AWS access key'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)} summary</title>
<style>${GITHUB_MARKDOWN_CSS}</style>
</head>
<body>
<section class="job">
<header>${escapeHtml(title)} summary</header>
<article class="markdown-body">
${renderSummaryMarkdown(summary)}
</article>
</section>
</body>
</html>
`
}
