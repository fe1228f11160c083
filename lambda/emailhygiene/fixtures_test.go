package main

// The post's message_complaints.txt, as the post published it (identity
// notification format).
const postComplaint = `{
  "notificationType":"Complaint",
  "complaint":{
     "userAgent":"Comcast Feedback Loop (V0.01)",
     "complainedRecipients":[{"emailAddress":"recipient1@example.com"}],
     "complaintFeedbackType":"abuse",
     "arrivalDate":"2009-12-03T04:24:21.000-05:00",
     "timestamp":"2012-05-25T14:59:38.623-07:00",
     "feedbackId":"000001378603177f-18c07c78-fa81-4a58-9dd1-fedc3cb8f49a-000000"
  },
  "mail":{
     "timestamp":"2012-05-25T14:59:38.623-07:00",
     "messageId":"000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000",
     "source":"email_1337983178623@amazon.com",
     "sourceArn": "arn:aws:sns:us-east-1:XXXXXXXXXXXX:ses-notifications",
     "sendingAccountId":"XXXXXXXXXXXX",
     "destination":["recipient1@example.com","recipient2@example.com","recipient3@example.com","recipient4@example.com"]
  }
}`

// The post's SNS publish answered with this message id.
const postComplaintSNSMessageID = "f7f5ad2d-a268-548d-a45c-e28e7624a64d"

// Shaped after AWS's documented examples: "Amazon SNS notification examples
// for Amazon SES" (notificationType) and "Examples of event data that Amazon
// SES publishes to Amazon SNS" (eventType).
const (
	eventBounce = `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",
		"bouncedRecipients":[{"emailAddress":"recipient@example.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}],
		"timestamp":"2017-08-05T00:41:02.669Z","feedbackId":"01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000","reportingMTA":"dsn; mta.example.com"},
		"mail":{"timestamp":"2017-08-05T00:40:02.012Z","source":"Sender Name <sender@example.com>","sourceArn":"arn:aws:ses:us-east-1:123456789012:identity/sender@example.com",
		"sendingAccountId":"123456789012","messageId":"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000","destination":["recipient@example.com"],"headersTruncated":false,
		"tags":{"ses:configuration-set":["ConfigSet"]}}}`
	eventComplaint = `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"recipient@example.com"}],
		"timestamp":"2017-08-05T00:41:02.669Z","feedbackId":"01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000",
		"userAgent":"Mozilla/5.0","complaintFeedbackType":"abuse","arrivalDate":"2017-08-05T00:41:02.669Z"},
		"mail":{"timestamp":"2017-08-05T00:40:01.123Z","source":"Sender Name <sender@example.com>","messageId":"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000","destination":["recipient@example.com"]}}`
	eventDelivery = `{"eventType":"Delivery","mail":{"timestamp":"2016-10-19T23:20:52.240Z","source":"sender@example.com",
		"messageId":"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000","destination":["recipient@example.com"]},
		"delivery":{"timestamp":"2016-10-19T23:21:04.133Z","processingTimeMillis":11893,"recipients":["recipient@example.com"],
		"smtpResponse":"250 2.6.0 Message received","reportingMTA":"mta.example.com"}}`
	notificationBounceTransient = `{"notificationType":"Bounce","bounce":{"bounceType":"Transient","bounceSubType":"MailboxFull",
		"bouncedRecipients":[{"emailAddress":"jane@example.com","status":"4.2.2","action":"failed","diagnosticCode":"smtp; 452 4.2.2 Mailbox full"},{"emailAddress":"Richard@EXAMPLE.com"}],
		"timestamp":"2016-01-27T14:59:38.237Z","feedbackId":"00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000","reportingMTA":"dns; email.example.com"},
		"mail":{"timestamp":"2016-01-27T14:59:38.237Z","messageId":"00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
		"source":"john@example.com","sourceArn":"arn:aws:ses:us-east-1:888888888888:identity/example.com","sendingAccountId":"123456789012",
		"destination":["jane@example.com","mary@example.com","richard@example.com"]}}`
	notificationDelivery = `{"notificationType":"Delivery","mail":{"timestamp":"2016-01-27T14:59:38.237Z","messageId":"0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000",
		"source":"john@example.com","destination":["jane@example.com"]},
		"delivery":{"timestamp":"2016-01-27T14:59:38.237Z","recipients":["jane@example.com"],"processingTimeMillis":546,
		"reportingMTA":"a8-70.smtp-out.amazonses.com","smtpResponse":"250 ok:  Message 64111812 accepted","remoteMtaIp":"127.0.2.0"}}`
	subscriptionSucceeded = `{"notificationType":"AmazonSnsSubscriptionSucceeded","message":"You have successfully subscribed your Amazon SNS topic 'arn:aws:sns:us-east-1:123456789012:ses-notifications' to receive 'Bounce' notifications from Amazon SES for identity 'example.com'."}`
)
