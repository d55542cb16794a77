import { z } from 'zod';
import { OPERATION_NAMES, operations, streamOperations, type OperationName } from '../../shared/api';
import { APP_NAME, APP_VERSION } from '../../shared/version';
import { ORIGINAL_OPERATIONS } from './fastapiErrors';

/** A refusal's JSON body: what is wrong in `message`, and `detail` as the original's scripts read it. */
function refusalBody(detail: Record<string, unknown>) {
  return {
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: { error: { type: 'string' }, message: { type: 'string' }, detail },
          required: ['error', 'message', 'detail'],
        },
      },
    },
  };
}

/**
 * Every refusal has this shape; the message says what is wrong (naming the field for bad input),
 * and `detail` repeats it under the name FastAPI gave it.
 */
const refusal = (description: string) => ({
  description,
  ...refusalBody({ type: 'string', description: 'The message (FastAPI named it `detail`)' }),
});

const UNAUTHORIZED = refusal('Missing or wrong bearer token');

/** The original's routes answer an invalid body as FastAPI did: 422, its validation list in `detail`. */
const VALIDATION = {
  description:
    "Invalid body, as FastAPI answered it: `detail` lists each issue (`loc` starts with 'body'; " +
    '`type` the nearest pydantic name: missing, extra_forbidden, string_type, int_parsing, …)',
  ...refusalBody({
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
  }),
};

/** A detection before any model: the status each route answers. */
function noModelResponses(name: OperationName): Record<string, unknown> {
  const noModel = 'No model is trained yet ("No models are loaded…"): train first';
  if (name === 'detect')
    return {
      '500': refusal(`${noModel}; 500 as the original answered`),
      '503': refusal('The database is locked by another program; try again'),
    };
  if (name === 'detectBatch' || name === 'reloadModels') return { '503': refusal(noModel) };
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
              '400': refusal('Body not valid JSON, or a forbidden key (__proto__, constructor)'),
              '422': VALIDATION,
            }
          : { '400': refusal('Invalid input; the message names the field') }),
        ...(name === 'health' ? {} : { '401': UNAUTHORIZED }),
        '403': refusal('Host or Origin is not this loopback server'),
        ...(hasBody
          ? {
              '413': refusal(`Body larger than ${name === 'detectBatch' ? '16 MiB' : '1 MiB'}`),
              '415': refusal('Body not sent as application/json'),
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
          '400': refusal(
            spec.body
              ? 'Unrecognised log format, corrupt gzip or a bad query parameter'
              : 'A bad or unknown query parameter',
          ),
          '401': UNAUTHORIZED,
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
