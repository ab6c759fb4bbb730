import HromadaPostgres

/// The SMS channel's schema changes (issue 15, versions 720–739).
public enum SMSMigrations {
    public static let all: [Migration] = [
        Migration(
            version: 720,
            name: "notification: the SMS channel and its delivery reports",
            sql: """
                -- The resident asked to be told by SMS (appeal.registered's author.notifyBy).
                ALTER TABLE recipients ADD COLUMN notify_by text CHECK (notify_by IN ('sms'));

                -- An SMS delivery: address is the phone number; status pending → sent (the gateway
                -- accepted it) → failed only when a delivery report says it never reached the phone.
                ALTER TABLE deliveries DROP CONSTRAINT deliveries_channel_check;
                ALTER TABLE deliveries ADD CONSTRAINT deliveries_channel_check
                    CHECK (channel IN ('email', 'centre', 'sms'));
                ALTER TABLE deliveries ADD CONSTRAINT deliveries_sms_number
                    CHECK (channel <> 'sms' OR address IS NOT NULL OR status = 'failed');
                -- The gateway's latest delivery report (Kannel's dlr-url): buffered (4), smsc (8: the
                -- operator's centre has it), delivered (1: on the phone), undelivered (2, 16). The last
                -- two are final: a later report changes nothing.
                ALTER TABLE deliveries ADD COLUMN sms_report text
                    CHECK (sms_report IN ('buffered', 'smsc', 'delivered', 'undelivered'));
                ALTER TABLE deliveries ADD COLUMN sms_reported_at timestamptz;
                ALTER TABLE deliveries ADD CONSTRAINT deliveries_sms_report_channel
                    CHECK (sms_report IS NULL OR channel = 'sms');
                """
        )
    ]
}
