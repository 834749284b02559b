// 个人资料: WeChat's own avatar chooser and nickname keyboard, saved with PATCH /me.
const meService = require('../../../services/me')
const media = require('../../../services/media')
const feedback = require('../../../utils/feedback')
const nav = require('../../../utils/nav')

Component({
  data: {
    avatarUrl: '',
    nickname: '',
    pendingAvatarPath: '',
    loaded: false,
    saving: false,
  },
  methods: {
    async onLoad() {
      try {
        const me = await meService.getMe()
        this.setData({ avatarUrl: me.avatar_url, nickname: me.nickname, loaded: true })
      } catch (err) {
        this.setData({ loaded: true })
      }
    },
    onChooseAvatar(event) {
      // A local file until saved: it is uploaded only when the shopper keeps it.
      this.setData({ avatarUrl: event.detail.avatarUrl, pendingAvatarPath: event.detail.avatarUrl })
    },
    onNicknameInput(event) {
      this.setData({ nickname: event.detail.value })
    },
    async onSave() {
      const nickname = this.data.nickname.trim()
      if (!nickname) {
        feedback.toast('请填写昵称')
        return
      }
      this.setData({ saving: true })
      const changes = { nickname }
      let avatarFailed = false
      if (this.data.pendingAvatarPath) {
        try {
          changes.avatar_url = await media.uploadImage(this.data.pendingAvatarPath, { silent: true })
        } catch (err) {
          avatarFailed = true // Keep the nickname change; the avatar can be tried again.
        }
      }
      try {
        await meService.updateMe(changes)
      } catch (err) {
        this.setData({ saving: false })
        return
      }
      if (avatarFailed) {
        this.setData({ saving: false })
        feedback.toast('昵称已保存，头像上传失败，请稍后重试')
        return
      }
      feedback.success('已保存')
      nav.back()
    },
  },
})
