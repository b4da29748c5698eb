# Shared
billing-center = 费用中心
skip-to-content = 跳到正文
nav-label = 主导航
nav-billing = 费用中心
nav-login = 登录
nav-logout = 退出登录
nav-logged-in-as = 当前登录
field-username = 用户名
field-email = 邮箱
field-phone = 手机号
field-company = 公司
field-password = 密码
field-new-password = 新密码
field-password-confirm = 再次输入新密码
field-current-password = 当前密码
password-rules = 密码至少 12 个字符。较长的短语最容易记住；常见或容易猜到的密码会被拒绝。

# Form errors
error-summary-title = 请更正以下问题
error-required = 此项为必填项。
error-choice = 请选择一个选项。
error-username-length = 用户名长度为 3 到 32 个字符。
error-username-characters = 用户名须以字母开头，只能包含字母、数字、"_"、"." 和 "-"。
error-email-syntax = 请输入有效的邮箱地址，例如 name@example.com。
error-phone-syntax = 请输入中国大陆手机号（以 13-19 开头的 11 位数字），或以 + 开头的国际号码。
error-password-short = 密码至少需要 { $min } 个字符。
error-password-long = 密码最多 { $max } 个字符。
error-password-weak = 这个密码太容易被猜到。{ $hint } 请尝试由不相关词语组成的较长短语。
error-password-mismatch = 两次输入的密码不一致。
error-current-password = 当前密码不正确。

# Error pages
error-home = 返回首页
error-request-id = 联系客服时，请提供此请求编号：
error-400-title = 无法处理该请求
error-400-body = 请求中缺少内容或格式有误。请返回检查表单后重试。
error-403-title = 不允许的操作
error-403-body = 不允许执行此操作。
error-page-csrf = 表单已过期，或是在另一个会话中打开的。请返回、刷新页面后重新提交。
error-page-cross-site = 该表单来自其他网站，已被拒绝。请在本网站打开页面后重试。
error-404-title = 页面不存在
error-404-body = 此地址没有页面，或您无权访问。
error-413-title = 数据过多
error-413-body = 表单提交的数据超出限制。请缩短内容后重试。
error-500-title = 出错了
error-500-body = 发生了意外错误，没有任何内容被更改。请稍后重试。
error-503-title = 服务繁忙
error-503-body = 服务当前繁忙，请等待几秒后重试。

# Landing
home-title = 欢迎
home-heading = { $brand } 费用中心
home-lead = 一个账号管理所有站点的全部工作空间：查看每个工作空间的费用，选择由谁结算，通过费用中心账户或阿里云账号付费。
home-login = 登录费用中心
home-feature-workspaces = 跨站点的工作空间
home-feature-workspaces-body = 将各站点的工作空间绑定到同一个账号，集中查看。
home-feature-aliyun = 阿里云账号结算
home-feature-aliyun-body = 通过阿里云云市场订阅付费，或为费用中心账户充值。
home-feature-bills = 日账单
home-feature-bills-body = 按工作空间的日账单、月度汇总，以及每一笔余额变动记录。

# Login
login-title = 登录费用中心
login-identifier = 用户名、邮箱或手机号
login-identifier-hint = 使用注册时的账号信息。
login-submit = 登录
login-forgot = 忘记密码？
login-failed = 账号或密码不正确。
notice-logged-out = 您已退出登录。
notice-password-changed = 密码已修改，所有会话均已结束。请使用新密码登录。
notice-password-reset = 密码已重置。请使用新密码登录。
throttled-title = 尝试次数过多
throttled-body = 失败次数过多，请在 { $seconds } 秒后重试。
throttled-help = 这是为了防止他人猜测您的密码。如果忘记了密码，可以重置。
throttled-back = 返回登录

# Password reset
forgot-title = 重置密码
forgot-lead = 请输入费用中心账号的邮箱地址，我们会发送一个设置新密码的链接。
forgot-submit = 发送重置链接
forgot-sent-title = 请查收邮件
forgot-sent-body = 如果有账号使用此邮箱，重置链接已发出。该链接仅可使用一次，{ $minutes } 分钟内有效。
reset-title = 设置新密码
reset-submit = 保存新密码
reset-invalid-title = 链接无效或已过期
reset-invalid-body = 重置链接只能使用一次，30 分钟内有效。请重新申请。
reset-invalid-again = 重新发送链接

# Billing Center
billing-nav-label = 费用中心
billing-nav-overview = 概览
billing-nav-account = 账号设置
overview-title = 概览
overview-welcome = 欢迎，{ $username }
overview-account = 您的账号
overview-member-since = 注册时间
account-title = 账号设置
account-profile = 基本信息
account-change-password = 修改密码
account-change-password-effect = 修改后所有设备（包括当前页面）都会退出登录。
account-change-password-submit = 修改密码

# Emails
email-footer = 您收到此邮件是因为您拥有费用中心账号。请勿回复，此邮箱无人查看。
email-greeting = { $username }，您好：
email-link-fallback = 如果按钮无法使用，请将以下地址复制到浏览器中打开：
email-reset-subject = 重置您的 { $brand } 费用中心密码
email-reset-intro = 有人（希望是您本人）申请重置您的费用中心账号密码。请在此设置新密码：
email-reset-button = 设置新密码
email-reset-expiry = 该链接仅可使用一次，{ $minutes } 分钟内有效。
email-reset-ignore = 如果这不是您的操作，请忽略此邮件，您的密码不会改变。
error-ali-uid-syntax = 阿里云账号 ID 为数字，例如 1234567890123456。
error-instance-id-syntax = 实例 ID 为数字，例如 241127000001。

# Marketplace
field-instance-id = 实例 ID
field-ali-uid = 阿里云账号 ID
field-instance-status = 状态
field-instance-expires = 到期时间
instance-status-opened = 已开通
instance-status-expired = 已过期
instance-status-released = 已关闭
welcome-title = 欢迎从阿里云云市场来到这里
welcome-lead = 您的云市场购买已确认。请选择如何使用此实例。
welcome-new-title = 第一次使用？
welcome-new-body = 注册商业版；实例信息已自动填写并完成验证。
welcome-register = 使用此实例注册
welcome-existing-title = 已有费用中心账号？
welcome-existing-body = 登录后选择由此实例结算的工作空间。
welcome-login = 登录
welcome-none = 这里没有待处理的云市场实例。请在阿里云控制台的“已购买的服务”中打开本产品后继续。
sign-on-refused-title = 此登录链接无法使用
sign-on-refused-body = 来自阿里云控制台的链接只能使用一次，且 5 分钟内有效。请从“已购买的服务”重新打开本产品，或直接登录。
error-instance-unknown = 未找到此产品下该 ID 的实例。请在阿里云控制台“已购买的服务”中核对实例 ID。
error-instance-account-mismatch = 该实例属于其他阿里云账号。请核对账号 ID（在阿里云控制台头像下方可以找到）。
error-instance-expired = 该实例已过期。请在阿里云控制台续费，或选择其他实例。
error-instance-closed = 该实例已关闭。请在阿里云云市场重新开通，并使用新的实例。
error-marketplace-unreachable = 暂时无法连接阿里云云市场以验证实例。没有任何内容被更改，请稍后重试。
