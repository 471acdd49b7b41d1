export const READ_MODEL_ENTITIES: Function[] = [];
