// Photos a shopper attaches (review photos, avatar): uploaded first, then referred to by URL.
const api = require('../utils/api')

module.exports = {
  /** Resolves with the public URL of the uploaded image. */
  uploadImage: (filePath, options = {}) =>
    api
      .request({ url: '/media/images', method: 'POST', filePath, fileField: 'file', loading: '上传中', silent: options.silent })
      .then((body) => body.url),
}
