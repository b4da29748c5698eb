# Shared
billing-center = Billing Center
skip-to-content = Skip to content
nav-label = Main
nav-billing = Billing Center
nav-login = Log in
nav-logout = Log out
nav-logged-in-as = Logged in as
field-username = Username
field-email = Email
field-phone = Phone
field-company = Company
field-password = Password
field-new-password = New password
field-password-confirm = Repeat the new password
field-current-password = Current password
password-rules = Use at least 12 characters. Long phrases are easiest to remember; common or guessable passwords are refused.

# Form errors
error-summary-title = Please correct the following
error-required = This field is required.
error-choice = Choose one of the options.
error-username-length = A username has 3 to 32 characters.
error-username-characters = A username starts with a letter and uses only letters, digits, "_", "." and "-".
error-email-syntax = Enter an email address like name@example.com.
error-phone-syntax = Enter a mainland China mobile number (11 digits starting with 13-19) or an international number starting with +.
error-password-short = The password must have at least { $min } characters.
error-password-long = The password may have at most { $max } characters.
error-password-weak = This password is too easy to guess. { $hint } Try a longer phrase of unrelated words.
error-password-mismatch = The two passwords do not match.
error-current-password = The current password is not correct.

# Error pages
error-home = Go to the start page
error-request-id = If you contact support, quote this request ID:
error-400-title = The request could not be understood
error-400-body = Something in the request was missing or malformed. Go back, check the form and try again.
error-403-title = Not allowed
error-403-body = This action is not allowed.
error-page-csrf = The form has expired or was opened in another session. Go back, reload the page and send it again.
error-page-cross-site = The form was sent from another site, so it was refused. Open the page on this site and try again.
error-404-title = Page not found
error-404-body = There is no page at this address, or you do not have access to it.
error-413-title = Too much data
error-413-body = The form sent more data than allowed. Shorten the values and try again.
error-500-title = Something went wrong
error-500-body = An unexpected error occurred and nothing was changed. Please try again in a moment.
error-503-title = Busy right now
error-503-body = The service is busy. Please wait a few seconds and try again.

# Landing
home-title = Welcome
home-heading = { $brand } Billing Center
home-lead = One account for every workspace on every site: see what each costs, choose who pays for it, and settle through the Billing Center or your Alibaba Cloud account.
home-login = Log in to the Billing Center
home-register = Register for the commercial plan
home-feature-workspaces = Workspaces across sites
home-feature-workspaces-body = Bind workspaces from every site to one account and see them side by side.
home-feature-aliyun = Alibaba Cloud settlement
home-feature-aliyun-body = Pay through your Alibaba Cloud Marketplace subscription, or top up your Billing Center balance.
home-feature-bills = Daily bills
home-feature-bills-body = Daily bills per workspace, monthly totals and a ledger of every balance change.

# Login
login-title = Log in to the Billing Center
login-identifier = Username, email or phone
login-identifier-hint = The credentials you registered with.
login-submit = Log in
login-forgot = Forgot your password?
login-failed = The login or password is incorrect.
notice-logged-out = You have been logged out.
notice-password-changed = Your password was changed and every session was ended. Log in with the new password.
notice-password-reset = Your password was reset. Log in with the new password.
throttled-title = Too many attempts
throttled-body = Too many failed attempts. Try again in { $seconds } s.
throttled-help = This protects your account from password guessing. If you forgot your password, you can reset it.
throttled-back = Back to login

# Password reset
forgot-title = Reset your password
forgot-lead = Enter the email address of your Billing Center account. We will send you a link to choose a new password.
forgot-submit = Send the reset link
forgot-sent-title = Check your email
forgot-sent-body = If an account uses this address, a reset link is on its way. The link works once, for { $minutes } minutes.
reset-title = Choose a new password
reset-submit = Set the new password
reset-invalid-title = This link is invalid or has expired
reset-invalid-body = Reset links work once and for 30 minutes. Ask for a new one.
reset-invalid-again = Send a new link

# Billing Center
billing-nav-label = Billing Center
billing-nav-overview = Overview
billing-nav-account = Account
overview-title = Overview
overview-welcome = Welcome, { $username }
overview-account = Your account
overview-member-since = Member since
account-title = Account settings
account-profile = Profile
account-change-password = Change password
account-change-password-effect = Changing it logs you out everywhere, including here.
account-change-password-submit = Change password

# Emails
email-footer = You receive this email because of your Billing Center account. Do not reply; this mailbox is not read.
email-greeting = Hello { $username },
email-link-fallback = If the button does not work, copy this address into your browser:
email-reset-subject = Reset your { $brand } Billing Center password
email-reset-intro = Someone (hopefully you) asked to reset the password of your Billing Center account. Choose a new password here:
email-reset-button = Choose a new password
email-reset-expiry = The link works once, for { $minutes } minutes.
email-reset-ignore = If you did not ask for this, ignore this email; your password stays as it is.
error-ali-uid-syntax = An Alibaba Cloud account ID is a number, like 1234567890123456.
error-instance-id-syntax = An instance ID is a number, like 241127000001.

# Marketplace
field-instance-id = Instance ID
field-ali-uid = Alibaba Cloud account ID
field-instance-status = Status
field-instance-expires = Expires
instance-status-opened = Opened
instance-status-expired = Expired
instance-status-released = Closed
welcome-title = Welcome from Alibaba Cloud Marketplace
welcome-lead = Your marketplace purchase is confirmed. Choose how to continue with this instance.
welcome-new-title = New here?
welcome-new-body = Register for the commercial plan; the instance is filled in and already verified.
welcome-register = Register with this instance
welcome-existing-title = Already have a Billing Center account?
welcome-existing-body = Log in and choose a workspace to be settled by this instance.
welcome-login = Log in
welcome-none = No marketplace instance is waiting here. Open the product from "Purchased Services" in the Alibaba Cloud console to continue.
sign-on-refused-title = This sign-in link cannot be used
sign-on-refused-body = Links from the Alibaba Cloud console work once and for five minutes. Open the product again from "Purchased Services", or log in directly.
error-instance-unknown = No instance with this ID was found for this product. Check the Instance ID under "Purchased Services" in the Alibaba Cloud console.
error-instance-account-mismatch = This instance belongs to another Alibaba Cloud account. Check the account ID (shown under your avatar in the Alibaba Cloud console).
error-instance-expired = This instance has expired. Renew it in the Alibaba Cloud console, or choose another instance.
error-instance-closed = This instance was closed. Activate the product again in the Alibaba Cloud Marketplace and use the new instance.
error-marketplace-unreachable = Alibaba Cloud Marketplace could not be reached to verify the instance. Nothing was changed; please try again in a moment.

# Registration
register-title = Register for the commercial plan
register-steps = Registration steps
register-step-account = Account
register-step-company = Company
register-step-activate = Activation
register-step-done = Done
field-site = Site
register-site-hint = Accounts and data on different sites are independent and cannot be moved between them. Choose carefully.
register-site-aliyun = Alibaba Cloud settlement available
register-username-hint = 3 to 32 characters: letters, digits, "_", "." and "-", starting with a letter.
field-password-confirm-plain = Repeat the password
register-send-code = Send the code by email
field-email-code = Email verification code
register-code-hint = The 6-digit code we emailed you. It works for 10 minutes.
register-phone-hint = A mainland China mobile number, or an international number starting with +.
register-next = Next
register-have-account = Already registered?
notice-email-code-sent = We sent a 6-digit code to { $email }. It works for 10 minutes.
error-email-code-syntax = The code has 6 digits.
error-email-code-wrong = This code is not right. { $left } tries left.
error-email-code-expired = This code has expired or was tried too often. Send a new one.
error-email-code-resend = A code was just sent. You can ask for another in { $seconds } s.
error-username-taken = This username is already registered on this site.
error-email-taken = This email is already registered on this site.
error-phone-taken = This phone number is already registered on this site.
register-company-title = Your company
error-company-name-length = A company name has at most 128 characters.
error-control-characters = Remove the control characters (tabs, line breaks).
register-agree-terms = I have read and agree to the Terms of Service and the Privacy Policy.
error-agree-terms = Agree to the terms to continue.
register-submit-company = Register
register-back = Back to the account step
error-registration-taken-meanwhile = Someone registered the same username, email or phone on this site a moment ago. Go back to the account step and choose another.
register-activate-title = Activate your workspace
register-activate-site = Site: { $site }
field-workspace-name = Workspace name
field-workspace-language = Workspace language
register-language-hint = The language of the workspace's events, alerts and messages. It cannot be changed later.
field-activation-method = Activation method
activation-direct = Activate directly
activation-direct-hint = Fees are settled by your Billing Center account (top up your balance).
activation-aliyun = Activate via Alibaba Cloud Marketplace
activation-aliyun-hint = Fees are settled by your Alibaba Cloud account. Activate the product on the marketplace first, then enter your account ID and the product instance ID.
activation-aliyun-link = Go to Alibaba Cloud Marketplace
activation-aliyun-unavailable = Alibaba Cloud settlement is not available on this site.
help-ali-uid = The account ID of your Alibaba Cloud main account: in the Alibaba Cloud console, click your avatar at the top right. (RAM users: the main account's ID, after the @ in your RAM login.)
help-instance-id = In the Alibaba Cloud console, open Cloud Marketplace → Purchased Services; the Instance ID is shown under the purchased product.
register-instance-from-marketplace = This instance came from Alibaba Cloud Marketplace and is verified.
register-sync-account = Also create a Billing Center account with these credentials
register-join-hint = Or, with the box above unticked, join an existing Billing Center account: this workspace is added to it.
field-billing-login = Billing Center username, email or phone
field-billing-password = Billing Center password
register-activate = Activate
error-site-forbids-method = This site does not allow this settlement method.
error-instance-claimed = This instance is already associated with another Billing Center account.
error-account-username-taken = A Billing Center account with this username already exists. Untick the box and join it with its credentials instead.
error-account-email-taken = A Billing Center account with this email already exists. Untick the box and join it with its credentials instead.
error-account-phone-taken = A Billing Center account with this phone number already exists. Untick the box and join it with its credentials instead.
error-registration-restart = This registration can no longer continue. Start again.
error-workspace-name-length = A workspace name has at most 64 characters.
register-done-title = Your workspace is ready
register-done-lead = Registration is complete and the workspace is activated.
field-workspace-id = Workspace ID
field-settlement = Settlement
method-billing_center = Billing Center account
method-aliyun = Alibaba Cloud account
method-aws = AWS account
method-huawei = Huawei Cloud account
register-done-login = Log in to the Billing Center as { $username } with the password you chose to see this workspace, its bills and its settlement.
register-done-billing = Log in to the Billing Center
email-code-subject = Your verification code: { $code }
email-code-intro = Use this code to verify your email address for the registration:
email-code-expiry = The code works for { $minutes } minutes.
email-code-ignore = If you did not ask for it, ignore this email.
overview-workspaces = Your workspaces
overview-no-workspaces = No workspace yet. Register one to see it here.
field-workspace-status = Status
workspace-status-active = Active
workspace-status-grace = Grace period
workspace-status-locked = Locked
error-settlement-unchanged = The workspace is already settled this way.
error-settlement-once-a-month = The settlement method can be changed once a month. The next change is possible on { $date }.
error-settlement-locked-in = This workspace is settled by an Alibaba Cloud instance that is still open. Close it (or let it expire) in the Alibaba Cloud console first; then change the method here.
error-instance-not-registered = Choose one of the open instances registered on this account.

# Billing Center: workspaces, cloud accounts, history
billing-nav-workspaces = Workspaces
billing-nav-cloud-accounts = Cloud accounts
billing-nav-history = Settlement history
workspaces-title = Workspaces
filter-all = All
filter-apply = Filter
workspaces-count = { $shown } shown
workspaces-none = No workspace matches.
workspaces-actions = Actions
workspaces-change = Change settlement method
settlement-title = Change settlement method
settlement-current = Settled now by
settlement-rules = The method can be changed once a month. A workspace settled by an Alibaba Cloud instance stays with it until the instance is closed or expires.
settlement-new = Settle by
settlement-aliyun = An Alibaba Cloud account (account ID and instance ID)
settlement-registered = An Alibaba Cloud account already registered on this account
settlement-registered-none = No open instance is registered on this account yet.
field-registered-instance = Registered instance
settlement-confirm = Confirm
settlement-cancel = Cancel
cloud-accounts-title = Cloud accounts
cloud-accounts-lead = The Alibaba Cloud Marketplace instances bound to this account. One instance can settle any number of workspaces, on any site that allows it.
cloud-accounts-none = No cloud account is bound to this account yet.
cloud-accounts-settles = Settles
cloud-accounts-no-workspaces = No workspace right now.
cloud-accounts-bind = Bind another workspace to it
history-title = Settlement history
history-none = No settlement change yet.
history-when = When
history-change = Change
history-reason = Reason
history-actor = By
history-pages = Pages
history-newer = Newer
history-older = Older
history-page-of = Page { $page }
reason-registration = Registration
reason-user = Changed by a user
reason-marketplace_release = Instance closed on the marketplace
reason-marketplace_expiry = Instance expired on the marketplace
reason-reconciliation = Found closed by reconciliation
new-workspace-title = Add a workspace
new-workspace-submit = Create the workspace
banner-grace = Workspace "{ $workspace }" is in its grace period: its Alibaba Cloud instance has expired.
banner-deadline = It will be locked on { $deadline }.
banner-locked = Workspace "{ $workspace }" is locked: its Alibaba Cloud instance expired and the grace period ended.
banner-what-to-do = Renew the instance in the Alibaba Cloud console, or settle the workspace another way:
overview-by-method = Workspaces by settlement
overview-by-site = Workspaces by site
notice-settlement-changed = The settlement method was changed.

# Notices
notice-time = Time
notice-no-workspaces = No workspace was settled by this instance, so nothing else changed.
notice-release-meaning = From now on their fees are deducted from your Billing Center balance. Top up your balance, or bind another Alibaba Cloud instance to them in the Billing Center.
notice-expiry-meaning = They keep working for 14 days, until the date shown in the Billing Center. Renew the instance in the Alibaba Cloud console, or settle them another way, before they are locked.
notice-lock-meaning = They are locked until the instance is renewed or you choose another settlement method in the Billing Center.
email-notice-release-subject = { $count ->
    [one] Alibaba Cloud instance { $instance } was closed: 1 workspace now settles by your Billing Center account
   *[other] Alibaba Cloud instance { $instance } was closed: { $count } workspaces now settle by your Billing Center account
}
email-notice-expiry-subject = { $count ->
    [one] Alibaba Cloud instance { $instance } expired: 1 workspace has 14 days of grace
   *[other] Alibaba Cloud instance { $instance } expired: { $count } workspaces have 14 days of grace
}
email-notice-lock-subject = { $count ->
    [one] 1 workspace is locked: Alibaba Cloud instance { $instance } expired
   *[other] { $count } workspaces are locked: Alibaba Cloud instance { $instance } expired
}
email-notice-release-intro = Your Alibaba Cloud Marketplace subscription was closed. The Billing Center unbound every workspace associated with it and switched them to settlement by your Billing Center account.
email-notice-expiry-intro = Your Alibaba Cloud Marketplace instance has expired. The workspaces it settles entered a 14-day grace period.
email-notice-lock-intro = The grace period of an expired Alibaba Cloud Marketplace instance ended, so the workspaces it settles are now locked.
email-notice-release-list = Workspaces switched to Billing Center settlement:
email-notice-expiry-list = Workspaces in the grace period:
email-notice-lock-list = Locked workspaces:
email-notice-link = Read the notice:
email-notice-button = Read the notice
notice-release-title = Your Alibaba Cloud instance was closed
notice-expiry-title = Your Alibaba Cloud instance expired
notice-lock-title = Workspaces were locked
notice-previous = Before
notice-now = Now
notice-login = Log in to the Billing Center
notice-invalid-title = This notice link is invalid or has expired
notice-invalid-body = Notice links work for 90 days. After logging in, every notice of your account is under Notices in the Billing Center.
notices-title = Notices
notices-none = No notice yet.
billing-nav-notices = Notices

## Money: amounts, arrears, bills and wallet
error-amount-format = Enter an amount like 100.00.
error-amount-decimals = Use at most two decimals.
error-amount-positive = The amount must be greater than zero.
error-amount-zero = The amount must not be zero.
error-amount-too-large = The amount must be at most { $limit }.
banner-arrears = Your cash balance is { $balance }: the account is in arrears.
banner-arrears-what-to-do = Daily bills settled by the Billing Center account keep being charged; top up by bank transfer to clear it.
banner-arrears-top-up = How to top up
