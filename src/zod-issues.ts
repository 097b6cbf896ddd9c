import type { z } from 'zod';

/** One line per zod issue, each led by the dotted path it concerns: "visitor.ip_country: expected string". */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((p) => p !== '').join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
