import { z } from 'zod';
import { OPERATION_NAMES, operations, streamOperations, type OperationName } from '../../shared/api';
import { APP_NAME, APP_VERSION } from '../../shared/version';
import { ORIGINAL_OPERATIONS } from './fastapiErrors';

/**
 * Every refusal has this shape; the message says what is wrong (naming the field for bad input),
 * and `detail` repeats it under the name FastAPI gave it, for the original's scripts.
 */
const ERROR = {
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: { type: 'string' },
          message: { type: 'string' },
          detail: { type: 'string', description: 'The message (FastAPI named it `detail`)' },
        },
        required: ['error', 'message', 'detail'],
      },
    },
  },
};

/** The original's routes answer an invalid body as FastAPI did: 422, its validation list in `detail`. */
const VALIDATION = {
  description:
    "Invalid body, as FastAPI answered it: `detail` lists each issue (`loc` starts with 'body'; " +
    '`type` the nearest pydantic name: missing, extra_forbidden, string_type, int_parsing, …)',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: {
          error: { type: 'string' },
          message: { type: 'string' },
          detail: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
                msg: { type: 'string' },
                type: { type: 'string' },
              },
              required: ['loc', 'msg', 'type'],
            },
          },
        },
        required: ['error', 'message', 'detail'],
      },
    },
  },
};

/** A detection before any model: the status each route answers. */
function noModelResponses(name: OperationName): Record<string, unknown> {
  const noModel = 'No model is trained yet ("No models are loaded…"): train first';
  if (name === 'detect')
    return {
      '500': { description: `${noModel}; 500 as the original answered`, ...ERROR },
      '503': { description: 'The database is locked by another program; try again', ...ERROR },
    };
  if (name === 'detectBatch' || name === 'reloadModels') return { '503': { description: noModel, ...ERROR } };
  return {};
}

/** Query parameters described by a zod object schema, except the ones already in the path. */
function queryParameters(schema: z.ZodType, except: string[] = []) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const properties = 'properties' in json ? (json.properties as Record<string, unknown>) : {};
  return Object.entries(properties)
    .filter(([k]) => !except.includes(k))
    .map(([k, s]) => ({ name: k, in: 'query', required: false, schema: s }));
}

/** OpenAPI 3.1 document generated from the shared operation table. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const name of OPERATION_NAMES) {
    const spec = operations[name];
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const input = z.toJSONSchema(spec.input, { io: 'input', unrepresentable: 'any' });
    const output = z.toJSONSchema(spec.output, { io: 'output', unrepresentable: 'any' });
    const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'integer' },
    }));
    const hasBody = spec.method === 'POST' || spec.method === 'PUT';
    const queryProps = hasBody
      ? []
      : queryParameters(
          spec.input,
          params.map((p) => p.name),
        );
    (paths[path] ??= {})[spec.method.toLowerCase()] = {
      operationId: name,
      summary: spec.summary,
      parameters: [...params, ...queryProps],
      ...(hasBody ? { requestBody: { content: { 'application/json': { schema: input } } } } : {}),
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: output } } },
        ...(ORIGINAL_OPERATIONS.has(name)
          ? {
              '400': { description: 'Body not valid JSON, or a forbidden key (__proto__, constructor)', ...ERROR },
              '422': VALIDATION,
            }
          : { '400': { description: 'Invalid input; the message names the field', ...ERROR } }),
        ...(name === 'health' ? {} : { '401': { description: 'Missing or wrong bearer token', ...ERROR } }),
        '403': { description: 'Host or Origin is not this loopback server', ...ERROR },
        ...(hasBody
          ? {
              '413': {
                description: `Body larger than ${name === 'detectBatch' ? '16 MiB' : '1 MiB'}`,
                ...ERROR,
              },
              '415': { description: 'Body not sent as application/json', ...ERROR },
            }
          : {}),
        ...noModelResponses(name),
      },
      security: name === 'health' ? [] : [{ bearer: [] }],
    };
  }
  for (const [name, spec] of Object.entries(streamOperations)) {
    const ok =
      spec.output === 'text/csv'
        ? { description: 'text/csv', content: { 'text/csv': { schema: { type: 'string' } } } }
        : {
            description: 'Lines ingested and parse errors counted',
            content: { 'application/json': { schema: z.toJSONSchema(spec.output) } },
          };
    paths[spec.path] = {
      [spec.method.toLowerCase()]: {
        operationId: name,
        summary: spec.summary,
        description: spec.description,
        parameters: queryParameters(spec.query),
        ...(spec.body
          ? { requestBody: { content: { [spec.body]: { schema: { type: 'string', format: 'binary' } } } } }
          : {}),
        responses: {
          '200': ok,
          '400': {
            description: spec.body
              ? 'Unrecognised log format, corrupt gzip or a bad query parameter'
              : 'A bad or unknown query parameter',
            ...ERROR,
          },
          '401': { description: 'Missing or wrong bearer token', ...ERROR },
        },
        security: [{ bearer: [] }],
      },
    };
  }
  paths['/events'] = {
    get: {
      operationId: 'events',
      summary: 'Server-sent events of the engine (ingest, training, anomalies, model swaps)',
      description:
        'One `event:` per engine event type, `data:` its JSON. The token goes in the Authorization ' +
        'header (read the stream with fetch or curl; not in the URL). A new token ends every open ' +
        'stream: reconnect with the new one.',
      responses: { '200': { description: 'text/event-stream' } },
      security: [{ bearer: [] }],
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: `${APP_NAME} API`, version: APP_VERSION },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
