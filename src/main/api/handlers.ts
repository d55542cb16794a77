import type { ApiHandlers, OperationName } from '../../shared/api';

/** One domain's slice of the operation table's implementations. */
export type Handlers<K extends OperationName> = Pick<ApiHandlers, K>;
