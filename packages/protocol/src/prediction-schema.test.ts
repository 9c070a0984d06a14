import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.js';
import { predictionText } from './create-response-schema.js';
import { parseCreateResponse } from './parse-create-response.js';

function errorOf(body: unknown): ApiError {
  try {
    parseCreateResponse(body);
  } catch (error) {
    if (ApiError.is(error)) return error;
    throw error;
  }
  throw new Error('expected the body to be rejected');
}

void describe('prediction', () => {
  void it('accepts a string or text parts, as OpenAI Predicted Outputs does', () => {
    const text = parseCreateResponse({ model: 'm', input: 'x', prediction: { type: 'content', content: 'abc' } });
    assert.equal(text.prediction && predictionText(text.prediction), 'abc');
    const parts = parseCreateResponse({ model: 'm', input: 'x', prediction: { type: 'content', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'bc' }] } });
    assert.equal(parts.prediction && predictionText(parts.prediction), 'abc');
    assert.equal(parseCreateResponse({ model: 'm', input: 'x', prediction: null }).prediction, null);
  });

  void it('rejects bad values with spec-shaped errors naming the field', () => {
    const cases: Array<[unknown, string, string]> = [
      ['abc', 'prediction', 'invalid_type'],
      [{ type: 'text', content: 'abc' }, 'prediction.type', 'invalid_value'],
      [{ type: 'content' }, 'prediction.content', 'missing_required_parameter'],
      [{ type: 'content', content: 42 }, 'prediction.content', 'invalid_type'],
      [{ type: 'content', content: [{ type: 'image', text: 'a' }] }, 'prediction.content[0].type', 'invalid_value'],
      [{ type: 'content', content: [{ type: 'text' }] }, 'prediction.content[0].text', 'missing_required_parameter'],
    ];
    for (const [prediction, param, code] of cases) {
      const error = errorOf({ model: 'm', input: 'x', prediction });
      assert.equal(error.status, 400, param);
      assert.equal(error.param, param);
      assert.equal(error.code, code, `${param}: ${error.message}`);
      assert.equal(error.type, 'invalid_request_error');
    }
  });
});
