// The plan a planning call must return: JSON validated by a zod schema. Accepts the JSON bare, in
// a ```json fence, or surrounded by prose; anything else is an error message to send back.
import { z } from 'zod';

export const planSchema = z.object({
  summary: z.string().trim().min(1).describe('One line saying what the change does.'),
  steps: z.array(z.string().trim().min(1)).min(1).describe('Concrete implementation steps, in order.'),
  risks: z.array(z.string().trim().min(1)).describe('What could go wrong.'),
});

export type Plan = z.infer<typeof planSchema>;

export function parsePlan(reply: string): { ok: true; plan: Plan } | { ok: false; error: string } {
  const text = jsonText(reply);
  if (text === null) return { ok: false, error: 'the answer contains no JSON object' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `the JSON does not parse: ${(error as Error).message}` };
  }
  const parsed = planSchema.safeParse(value);
  if (!parsed.success) return { ok: false, error: `the JSON does not match the plan schema: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}` };
  return { ok: true, plan: parsed.data };
}

function jsonText(reply: string): string | null {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n\s*```/i.exec(reply);
  if (fenced && fenced[1]!.trim().startsWith('{')) return fenced[1]!.trim();
  const start = reply.indexOf('{');
  const end = reply.lastIndexOf('}');
  return start >= 0 && end > start ? reply.slice(start, end + 1) : null;
}

export function renderPlan(plan: Plan): string {
  const steps = plan.steps.map((s, i) => `${i + 1}. ${s}`).join('\n');
  const risks = plan.risks.length > 0 ? `\n\nRisks to avoid:\n${plan.risks.map((r) => `- ${r}`).join('\n')}` : '';
  return `${plan.summary}\n\nSteps:\n${steps}${risks}`;
}
