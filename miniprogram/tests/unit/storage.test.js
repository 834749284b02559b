const storage = require('../../src/utils/storage')

test('a stored value comes back until it expires', () => {
  const now = jest.spyOn(Date, 'now').mockReturnValue(1000000)
  storage.set('home', { a: 1 }, 60)
  expect(storage.get('home')).toEqual({ a: 1 })
  now.mockReturnValue(1000000 + 59000)
  expect(storage.get('home')).toEqual({ a: 1 })
  now.mockReturnValue(1000000 + 60000)
  expect(storage.get('home')).toBeUndefined()
  expect(wx.storage.size).toBe(0)
  now.mockRestore()
})

test('cached() loads once, then serves from storage until refresh is asked for', async () => {
  const load = jest.fn().mockResolvedValue(['tree'])
  expect(await storage.cached('categories', 600, load)).toEqual(['tree'])
  expect(await storage.cached('categories', 600, load)).toEqual(['tree'])
  expect(load).toHaveBeenCalledTimes(1)
  await storage.cached('categories', 600, load, { refresh: true })
  expect(load).toHaveBeenCalledTimes(2)
})

test('something else under a key, or broken storage, is treated as a cache miss', () => {
  wx.storage.set('xd:odd', 'not an entry')
  expect(storage.get('odd')).toBeUndefined()
  wx.getStorageSync = () => {
    throw new Error('storage unavailable')
  }
  expect(storage.get('home')).toBeUndefined()
})
