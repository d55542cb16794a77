import type { z } from 'zod';
import {
  ApiError,
  operations,
  streamOperations,
  type ApiHandlers,
  type OperationName,
  type Output,
  type ParsedInput,
  type StreamOperationName,
  type StreamQuery,
} from '../../shared/api';
import { FAST_INPUT } from './fastInput';
import { describeZodError } from './validation';

/** Input an operation's schema refused: a 400 whose message names the field; the zod error kept for transports that list every issue. */
export class InputError extends ApiError {
  constructor(readonly zodError: z.ZodError) {
    super(400, describeZodError(zodError));
    this.name = 'InputError';
  }
}

/** The operation's input as its schema gives it (the hand-written fast path first, where one exists), or InputError. */
export function parseInput<K extends OperationName>(name: K, raw: unknown): ParsedInput<K> {
  const quick = FAST_INPUT[name]?.(raw);
  if (quick !== undefined) return quick as ParsedInput<K>;
  const parsed = operations[name].input.safeParse(raw ?? {});
  if (!parsed.success) throw new InputError(parsed.error);
  return parsed.data as ParsedInput<K>;
}

/** Validates raw input with the contract and runs the operation: the one way in for IPC, HTTP and tests. */
export async function dispatch<K extends OperationName>(api: ApiHandlers, name: K, raw: unknown): Promise<Output<K>> {
  const input = parseInput(name, raw);
  return (api[name] as (i: ParsedInput<K>) => Promise<Output<K>>)(input);
}

/** A stream route's query as its schema gives it, or InputError. */
export function parseStreamQuery<K extends StreamOperationName>(name: K, raw: unknown): StreamQuery<K> {
  const parsed = streamOperations[name].query.safeParse(raw ?? {});
  if (!parsed.success) throw new InputError(parsed.error);
  return parsed.data as StreamQuery<K>;
}
