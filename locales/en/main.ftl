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
