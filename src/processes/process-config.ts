import { z } from 'zod';
import { uniqueNames } from '../config/unique-names.js';

/**
 * `processes:` in the hub config (DESIGN "Business processes"): how to recognise a business
 * process's spans, the business key its instances are joined by, its ordered steps, when an
 * unfinished instance counts as stuck, and its SLO. Reloaded live with the rest of the config.
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const stepSchema = z
  .object({
    name: z.string().regex(NAME, 'a step name is 1-64 characters of A-Z, a-z, 0-9, _ . - (starting with a letter or digit)'),
    /** The span name that marks the step. */
    span: z.string().min(1).max(1024),
  })
  .strict();

export const processDefinitionSchema = z
  .object({
    name: z.string().regex(NAME, 'a process name is 1-64 characters of A-Z, a-z, 0-9, _ . - (starting with a letter or digit)'),
    match: z.object({ attribute: z.string().min(1).max(256), equals: z.string().min(1).max(1024) }).strict(),
    key: z.string().min(1).max(256),
    steps: z
      .array(stepSchema)
      .min(1)
      .max(50)
      .superRefine((steps, ctx) => {
        const names = new Set<string>();
        const spans = new Set<string>();
        for (const s of steps) {
          if (names.has(s.name)) ctx.addIssue({ code: 'custom', message: `step name '${s.name}' is used twice` });
          if (spans.has(s.span)) ctx.addIssue({ code: 'custom', message: `span '${s.span}' marks two steps` });
          names.add(s.name);
          spans.add(s.span);
        }
      }),
    stuckAfterSeconds: z.number().positive().default(600),
    slo: z
      .object({
        maxDurationSeconds: z.number().positive().default(300),
        maxErrorRatio: z.number().min(0).max(1).default(0.01),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export const processesSchema = z
  .array(processDefinitionSchema)
  .max(100)
  .default([])
  .superRefine(uniqueNames('process name'));

export type ProcessDefinition = z.infer<typeof processDefinitionSchema>;
